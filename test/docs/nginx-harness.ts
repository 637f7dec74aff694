/**
 * deploy/nginx.conf, run for real where nginx is installed: the site file with its public ports
 * moved to free ports on 127.0.0.1 (it never listens anywhere else here), its upstream pointed at
 * a `postroom serve` child, and its certificate replaced by one from the test CA; wrapped in a
 * main configuration of the test's own (prefix, pid, logs and temp paths in a temp directory,
 * one process in the foreground). Each replacement must happen exactly as often as expected, so a
 * changed deploy/nginx.conf is noticed rather than run half-rewritten.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/databases.js';
import { freePort } from '../helpers/ports.js';
import { REPO_ROOT } from '../helpers/processes.js';
import { testCerts } from '../helpers/certs.js';

export const NGINX_SITE = path.join(REPO_ROOT, 'deploy', 'nginx.conf');

/** The nginx binary, or null when it is not installed (Debian: apt-get install nginx-light). */
export function findNginx(): string | null {
  for (const candidate of ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx']) if (existsSync(candidate)) return candidate;
  const which = spawnSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' });
  return which.status === 0 && which.stdout.trim() ? which.stdout.trim() : null;
}

export interface NginxConfig {
  dir: string;
  main: string;
  site: string;
  https: number;
  http: number;
  /** PEM of the CA the site's certificate is signed by. */
  ca: string;
  remove(): void;
}

/** Replaces `pattern` in `text` exactly `times` times, or throws naming what was looked for. */
function replaceExactly(text: string, pattern: RegExp, replacement: string, times: number): string {
  const found = text.match(new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : pattern.flags + 'g'))?.length ?? 0;
  if (found !== times) throw new Error(`deploy/nginx.conf: expected ${times} × ${pattern}, found ${found}`);
  return text.replace(new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : pattern.flags + 'g'), replacement);
}

/** Writes the test's main configuration and the rewritten site into a temp directory. */
export async function nginxConfig(upstreamPort: number): Promise<NginxConfig> {
  const dir = tempDir('postroom-nginx-');
  const certs = await testCerts();
  const [https, http] = [await freePort(), await freePort()];
  writeFileSync(path.join(dir, 'cert.pem'), certs.serverCert);
  writeFileSync(path.join(dir, 'key.pem'), certs.serverKey);
  mkdirSync(path.join(dir, 'acme'));
  let site = readFileSync(NGINX_SITE, 'utf8');
  site = replaceExactly(site, /^\s*listen \[::\]:\d+[^;]*;\n/m, '', 2);
  site = replaceExactly(site, /\blisten 80;/, `listen 127.0.0.1:${http};`, 1);
  site = replaceExactly(site, /\blisten 443 ssl http2;/, `listen 127.0.0.1:${https} ssl http2;`, 1);
  site = replaceExactly(site, /\bserver 127\.0\.0\.1:8025;/, `server 127.0.0.1:${upstreamPort};`, 1);
  site = replaceExactly(site, /ssl_certificate\s+\S+;/, `ssl_certificate ${path.join(dir, 'cert.pem')};`, 1);
  site = replaceExactly(site, /ssl_certificate_key\s+\S+;/, `ssl_certificate_key ${path.join(dir, 'key.pem')};`, 1);
  site = replaceExactly(site, /root \/var\/www\/letsencrypt;/, `root ${path.join(dir, 'acme')};`, 1);
  for (const listen of site.matchAll(/^\s*listen\s+([^;]+);/gm)) {
    if (!/^127\.0\.0\.1:\d+\b/.test(listen[1]!)) throw new Error(`the test's nginx would listen on ${listen[1]}, not on 127.0.0.1`);
  }
  const sitePath = path.join(dir, 'postroom.conf');
  writeFileSync(sitePath, site);
  const temp = (name: string) => path.join(dir, name);
  const main = [
    'daemon off;',
    'master_process off;',
    'worker_processes 1;',
    `pid ${temp('nginx.pid')};`,
    `error_log ${temp('error.log')} warn;`,
    'events { worker_connections 128; }',
    'http {',
    '  access_log off;',
    `  client_body_temp_path ${temp('body')};`,
    `  proxy_temp_path ${temp('proxy')};`,
    `  fastcgi_temp_path ${temp('fastcgi')};`,
    `  uwsgi_temp_path ${temp('uwsgi')};`,
    `  scgi_temp_path ${temp('scgi')};`,
    `  include ${sitePath};`,
    '}',
    '',
  ].join('\n');
  const mainPath = path.join(dir, 'nginx.conf');
  writeFileSync(mainPath, main);
  return { dir, main: mainPath, site: sitePath, https, http, ca: certs.caCert, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `nginx -t` on the test configuration: its exit status and what it said. */
export function nginxTest(nginx: string, config: NginxConfig): { status: number | null; output: string } {
  const run = spawnSync(nginx, ['-t', '-p', config.dir, '-c', config.main], { encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

export interface RunningNginx {
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts nginx in the foreground on the test configuration and waits until it answers on its https port. */
export async function startNginx(nginx: string, config: NginxConfig): Promise<RunningNginx> {
  const child = spawn(nginx, ['-p', config.dir, '-c', config.main], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const { connect } = await import('node:net');
  for (const until = Date.now() + 10_000; ; ) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect(config.https, '127.0.0.1', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (up) break;
    if (child.exitCode !== null || Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error(`nginx did not start: ${err}${existsSync(path.join(config.dir, 'error.log')) ? readFileSync(path.join(config.dir, 'error.log'), 'utf8') : ''}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    process: child,
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
