/**
 * The deployment files in deploy/, checked here as far as this machine allows:
 *   - the systemd units with `systemd-analyze verify` (no warning about them either) and
 *     `systemd-analyze security --offline`, and what they must say: SIGTERM with a stop timeout
 *     above the shutdown grace, the hardening, no MemoryDenyWriteExecute (V8's JIT), flags that
 *     `postroom serve --help` knows;
 *   - the environment file: only settings Postroom reads, and sh can source it;
 *   - the `postroom` wrapper, run for real as the current user against a temp data directory;
 *   - nginx.conf with `nginx -t`, then nginx itself on 127.0.0.1 in front of `postroom serve`: the
 *     API over TLS, the http → https redirect, the live event stream unbuffered, and a 20 MB body
 *     passed through (nginx's default would refuse it).
 * A missing tool skips its part with the package to install; under CI (CI=true), where .ci/run
 * installs them, a missing tool is a failure instead, as for Chromium and dovecot.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { createTestDatabase, tempDir, type TestDatabase } from '../helpers/databases.js';
import { postroomEnv, spawnPostroom, waitUntil, CLI, REPO_ROOT, type PostroomProcess } from '../helpers/processes.js';
import { cliOk } from './guide-world.js';
import { findNginx, nginxConfig, nginxTest, startNginx, type NginxConfig, type RunningNginx } from './nginx-harness.js';

const DEPLOY = path.join(REPO_ROOT, 'deploy');
const UNITS = ['postroom.service', 'postroom-worker.service'];
const read = (name: string) => readFileSync(path.join(DEPLOY, name), 'utf8');
const systemdAnalyze = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((p) => existsSync(p)) ?? null;
const nginx = findNginx();

describe.runIf(process.env.CI === 'true')('the tools the deployment checks need under CI', () => {
  it('has systemd-analyze (apt-get install systemd) and nginx (apt-get install nginx-light)', () => {
    expect({ systemdAnalyze, nginx }).toEqual({ systemdAnalyze: expect.any(String), nginx: expect.any(String) });
  });
});

/** The unit's settings, KEY → values in order (comments and sections dropped). */
function unitSettings(text: string): Map<string, string[]> {
  const settings = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (m) settings.set(m[1]!, [...(settings.get(m[1]!) ?? []), m[2]!]);
  }
  return settings;
}

describe('the systemd units', () => {
  it('say what Postroom needs: SIGTERM with time for the grace, hardening, and no MemoryDenyWriteExecute', () => {
    const graceSeconds = loadConfig({}, {}).shutdown.graceMs / 1000;
    const dataDir = /^POSTROOM_DATA_DIR=(.+)$/m.exec(read('postroom.env.example'))?.[1];
    for (const unit of UNITS) {
      const s = unitSettings(read(unit));
      const one = (key: string) => s.get(key)?.at(-1);
      expect(one('KillSignal'), unit).toBe('SIGTERM');
      expect(Number(/^(\d+)s$/.exec(one('TimeoutStopSec') ?? '')?.[1]), `${unit}: TimeoutStopSec above the ${graceSeconds} s grace`).toBeGreaterThan(graceSeconds);
      expect(one('Restart'), unit).toBe('on-failure');
      expect(one('EnvironmentFile'), unit).toBe('/etc/postroom/postroom.env');
      expect(one('User'), unit).toBe('postroom');
      expect(s.get('ReadWritePaths'), unit).toContain(dataDir);
      for (const [key, value] of Object.entries({ NoNewPrivileges: 'yes', ProtectSystem: 'strict', ProtectHome: 'yes', PrivateTmp: 'yes', PrivateDevices: 'yes', ProtectKernelTunables: 'yes', ProtectKernelModules: 'yes', ProtectKernelLogs: 'yes', RestrictAddressFamilies: 'AF_INET AF_INET6 AF_UNIX', SystemCallFilter: '@system-service' })) {
        expect(one(key), `${unit}: ${key}`).toBe(value);
      }
      expect(s.has('MemoryDenyWriteExecute'), `${unit} must not set MemoryDenyWriteExecute: V8's JIT needs writable executable memory`).toBe(false);
      expect(one('ExecStart'), unit).toMatch(/^\/usr\/bin\/env node \/opt\/postroom\/dist\/src\/cli\/main\.js (serve|worker)\b/);
    }
    const serve = unitSettings(read('postroom.service'));
    expect(serve.get('CapabilityBoundingSet')).toEqual(['CAP_NET_BIND_SERVICE']);
    expect(serve.get('AmbientCapabilities')).toEqual(['CAP_NET_BIND_SERVICE']);
    expect(unitSettings(read('postroom-worker.service')).get('CapabilityBoundingSet')).toEqual(['']);
  });

  it('start serve and worker with flags the built CLI knows, the HTTP listener on loopback', () => {
    for (const unit of UNITS) {
      const exec = unitSettings(read(unit)).get('ExecStart')!.at(-1)!.split(/\s+/);
      const command = exec[3]!;
      const help = spawnSync(process.execPath, [CLI, command, '--help'], { encoding: 'utf8' });
      expect(help.status, help.stderr).toBe(0);
      for (const flag of exec.slice(4).filter((a) => a.startsWith('--'))) expect(help.stdout, `${unit}: ${flag}`).toContain(`${flag} `);
    }
    expect(unitSettings(read('postroom.service')).get('ExecStart')!.at(-1)).toContain('--http 127.0.0.1:8025');
  });

  it.skipIf(!systemdAnalyze)(`pass systemd-analyze verify without a warning${systemdAnalyze ? '' : ' (skipped: systemd-analyze is not installed; apt-get install systemd)'}`, () => {
    const run = spawnSync(systemdAnalyze!, ['verify', ...UNITS.map((u) => path.join(DEPLOY, u))], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    // Unknown or malformed settings are only warned about ("…, ignoring"), with the file's name.
    const aboutOurs = `${run.stdout}${run.stderr}`.split('\n').filter((line) => UNITS.some((u) => line.includes(u)));
    expect(aboutOurs).toEqual([]);
  });

  it.skipIf(!systemdAnalyze)(`rate OK or better in systemd-analyze security${systemdAnalyze ? '' : ' (skipped: systemd-analyze is not installed)'}`, (ctx) => {
    for (const unit of UNITS) {
      const run = spawnSync(systemdAnalyze!, ['security', '--offline=true', '--no-pager', path.join(DEPLOY, unit)], { encoding: 'utf8' });
      if (run.status !== 0 && /offline/.test(run.stderr)) return ctx.skip(`this systemd-analyze has no --offline: ${run.stderr.trim()}`);
      const exposure = /Overall exposure level for \S+: (\d+\.\d+)/.exec(run.stdout)?.[1];
      expect(exposure, `${unit}: ${run.stdout.slice(-500)}${run.stderr}`).toBeDefined();
      expect(Number(exposure), `${unit}: exposure ${exposure}`).toBeLessThanOrEqual(2.5);
    }
  });
});

describe('the daily prune', () => {
  const service = unitSettings(read('postroom-prune.service'));
  const timer = unitSettings(read('postroom-prune.timer'));
  it('runs `postroom prune` once a day as the service user, hardened as the services are', () => {
    const one = (key: string) => service.get(key)?.at(-1);
    expect(one('Type')).toBe('oneshot');
    expect(one('ExecStart')).toBe('/usr/bin/env node /opt/postroom/dist/src/cli/main.js prune');
    expect([one('User'), one('EnvironmentFile')]).toEqual(['postroom', '/etc/postroom/postroom.env']);
    for (const [key, value] of Object.entries({ NoNewPrivileges: 'yes', ProtectSystem: 'strict', ProtectHome: 'yes', PrivateTmp: 'yes', SystemCallFilter: '@system-service', CapabilityBoundingSet: '' })) expect(one(key), key).toBe(value);
    expect(service.has('MemoryDenyWriteExecute')).toBe(false);
    expect(spawnSync(process.execPath, [CLI, 'prune', '--help'], { encoding: 'utf8' }).status).toBe(0);
    expect([timer.get('OnCalendar')?.at(-1), timer.get('Persistent')?.at(-1), timer.get('Unit')?.at(-1)]).toEqual(['daily', 'true', 'postroom-prune.service']);
  });

  it.skipIf(!systemdAnalyze)(`passes systemd-analyze verify and security${systemdAnalyze ? '' : ' (skipped: systemd-analyze is not installed; apt-get install systemd)'}`, () => {
    const files = ['postroom-prune.service', 'postroom-prune.timer'];
    const run = spawnSync(systemdAnalyze!, ['verify', ...files.map((u) => path.join(DEPLOY, u))], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(`${run.stdout}${run.stderr}`.split('\n').filter((line) => files.some((u) => line.includes(u)))).toEqual([]);
    const security = spawnSync(systemdAnalyze!, ['security', '--offline=true', '--no-pager', path.join(DEPLOY, 'postroom-prune.service')], { encoding: 'utf8' });
    expect(Number(/Overall exposure level for \S+: (\d+\.\d+)/.exec(security.stdout)?.[1])).toBeLessThanOrEqual(2.5);
  });
});

describe('the environment file and the postroom wrapper', () => {
  it('sets only settings Postroom reads, and sh can source it', () => {
    const known = new Set(readdirSync(path.join(REPO_ROOT, 'src/config')).flatMap((f) => readFileSync(path.join(REPO_ROOT, 'src/config', f), 'utf8').match(/\b(POSTROOM_[A-Z0-9_]+|DATABASE_URL)\b/g) ?? []));
    const keys = [...read('postroom.env.example').matchAll(/^#?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]!);
    expect(keys.length).toBeGreaterThan(5);
    for (const key of keys) expect(known.has(key), `${key} is a setting src/config reads`).toBe(true);
    const sourced = spawnSync('sh', ['-c', `set -a; . '${path.join(DEPLOY, 'postroom.env.example')}'; echo "$POSTROOM_DATA_DIR"`], { encoding: 'utf8' });
    expect(sourced.status, sourced.stderr).toBe(0);
    expect(sourced.stdout.trim()).toBe('/var/lib/postroom');
  });

  it('runs the CLI as the service user, with its environment, in its data directory', async () => {
    const user = spawnSync('id', ['-un'], { encoding: 'utf8' }).stdout.trim();
    const dataDir = tempDir('postroom-wrapper-');
    const envFile = path.join(dataDir, 'postroom.env');
    writeFileSync(envFile, `POSTROOM_DATA_DIR=${dataDir}\nPOSTROOM_SECRET_KEY=${'cd'.repeat(32)}\nPOSTROOM_LOG_LEVEL=error\n`);
    const wrapper = path.join(DEPLOY, 'postroom-cli.sh');
    expect(spawnSync('sh', ['-n', wrapper]).status).toBe(0);
    const env = { PATH: process.env.PATH, POSTROOM_USER: user, POSTROOM_HOME: REPO_ROOT, POSTROOM_ENV: envFile };
    const migrate = spawnSync('sh', [wrapper, 'migrate'], { env, encoding: 'utf8' });
    expect(migrate.status, migrate.stderr).toBe(0);
    expect(existsSync(path.join(dataDir, 'postroom.db'))).toBe(true);
    const set = spawnSync('sh', [wrapper, 'settings', 'set', 'mail_host', 'mail.example.com'], { env, encoding: 'utf8' });
    expect(set.stdout.trim(), set.stderr).toBe('mail_host = mail.example.com');
  });
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

describe.skipIf(!nginx)(`nginx.conf in front of postroom serve${nginx ? '' : ' (skipped: nginx is not installed; apt-get install nginx-light)'}`, () => {
  let database: TestDatabase;
  let serve: PostroomProcess;
  let config: NginxConfig;
  let proxy: RunningNginx | undefined;
  let key = '';

  const https = (method: string, pathName: string, body?: Buffer | string, headers: Record<string, string> = {}) =>
    new Promise<Answer>((resolve, reject) => {
      const req = httpsRequest({ host: '127.0.0.1', port: config.https, method, path: pathName, ca: config.ca, headers: { authorization: `Bearer ${key}`, ...headers } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      });
      req.on('error', reject);
      req.end(body);
    });

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    const env = postroomEnv(database);
    serve = spawnPostroom(['serve', '--http', '127.0.0.1:0', '--inbound', 'off', '--smtp', 'off'], env);
    await waitUntil(() => /Press Ctrl-C/.test(serve.stdout()) || serve.exit() !== null, 20_000, () => `serve did not start: ${serve.stdout()}${serve.stderr()}`, 50);
    const port = Number(/HTTP API: http:\/\/127\.0\.0\.1:(\d+)\//.exec(serve.stdout())?.[1]);
    key = (await cliOk(env, ['apikey', 'create', '--user', 'admin@postroom.local', '--name', 'nginx test'])).trim();
    config = await nginxConfig(port);
  });
  afterAll(async () => {
    await proxy?.stop();
    serve?.kill('SIGTERM');
    await serve?.waitForExit(15_000).catch(() => undefined);
    await database?.drop();
    config?.remove();
  });

  it('passes nginx -t', () => {
    const result = nginxTest(nginx!, config);
    expect(result.status, result.output).toBe(0);
    expect(result.output).toMatch(/test is successful/);
  });

  it('serves the API over TLS and sends plain http to https', async () => {
    proxy = await startNginx(nginx!, config);
    const openapi = await https('GET', '/api/v1/openapi.json');
    expect(openapi.status).toBe(200);
    expect(JSON.parse(openapi.body).info.title).toBe('Postroom API');
    expect(openapi.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    const redirect = await new Promise<Answer>((resolve, reject) => {
      httpRequest({ host: '127.0.0.1', port: config.http, path: '/emails', headers: { host: 'postroom.example.com' } }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: '' }));
      })
        .on('error', reject)
        .end();
    });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.location).toBe('https://postroom.example.com/emails');
  });

  it('streams events through as they happen, and passes a 20 MB message', async () => {
    proxy ??= await startNginx(nginx!, config);
    let streamed = '';
    const stream = httpsRequest({ host: '127.0.0.1', port: config.https, path: '/api/v1/events/stream', ca: config.ca, headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream' } });
    const opened = new Promise<number>((resolve, reject) => {
      stream.on('response', (res) => {
        res.setEncoding('utf8').on('data', (c: string) => (streamed += c));
        resolve(res.statusCode!);
      });
      stream.on('error', reject);
    });
    stream.end();
    try {
      expect(await opened).toBe(200);
      const message = { from: 'shop@example.com', to: ['ana@example.org'], subject: 'Through nginx', text: 'Hello' };
      const sent = await https('POST', '/api/v1/messages', JSON.stringify(message), { 'content-type': 'application/json' });
      expect(sent.status, sent.body).toBe(202);
      const { id } = JSON.parse(sent.body) as { id: string };
      // The stream is still open: the event can only have come through unbuffered.
      await waitUntil(() => streamed.includes(`"messageId":"${id}"`) && /event: sent/.test(streamed), 20_000, () => `no sent event for ${id} on the stream: ${streamed.slice(-500)}`, 50);

      const attachment = Buffer.alloc(15 * 1024 * 1024, 7).toString('base64');
      const big = JSON.stringify({ ...message, subject: 'Large attachment', attachments: [{ filename: 'big.bin', content: attachment }] });
      expect(big.length).toBeGreaterThan(20 * 1024 * 1024);
      const accepted = await https('POST', '/api/v1/messages', big, { 'content-type': 'application/json' });
      expect(accepted.status, accepted.body.slice(0, 300)).toBe(202);
    } finally {
      stream.destroy();
    }
  });
});
