/**
 * The world a guide page runs in, all on 127.0.0.1: a fresh SQLite data directory with
 * `postroom serve` on free ports (the README's start command), a `postroom` on PATH that is the
 * built CLI, a local DNS server holding example.com's zone, and a receiver for webhooks.
 *
 * The guide is written for a reader's machine, so before a command runs its example addresses
 * become the test's (SUBSTITUTIONS, in order): `npx postroom` → the built CLI, 127.0.0.1:8025 /
 * :2587 / :2525 (serve's default HTTP, relay and inbound addresses) → this serve's free ports, and
 * https://hooks.example.com → the local webhook receiver.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createTestDatabase, tempDir, type TestDatabase } from '../helpers/databases.js';
import { postroomEnv, spawnPostroom, waitUntil, CLI, type PostroomProcess } from '../helpers/processes.js';
import type { DnsServer, Zone, ZoneRecord } from '../helpers/dns-server.js';

/**
 * example.com as the guide's reader has it before starting: a domain that already sends through
 * Google Workspace (so `domain records` shows its SPF merge), and the record that include names.
 */
export function startingZone(): Zone {
  return {
    'example.com': [
      { type: 'TXT', value: 'v=spf1 include:_spf.google.com ~all' },
      { type: 'A', value: '192.0.2.80' },
    ],
    '_spf.google.com': [{ type: 'TXT', value: 'v=spf1 ip4:192.0.2.0/24 ~all' }],
    'mail.example.com': [{ type: 'A', value: '203.0.113.10' }],
  };
}

/**
 * "Publishes" the zone lines a command printed (`domain records`), as the reader does at their DNS
 * host: each record replaces the records of its kind at its name (an SPF record the old SPF
 * record, a DKIM key the key at that selector).
 */
export function publishZoneLines(zone: Zone, output: string): number {
  let published = 0;
  for (const line of output.split('\n')) {
    const m = /^(\S+?)\.?\s+IN\s+(TXT|MX|CNAME|A|AAAA)\s+(.+)$/.exec(line.trim());
    if (!m) continue;
    const [, name, type, rest] = m as unknown as [string, ZoneRecord['type'], ZoneRecord['type'], string];
    let record: ZoneRecord;
    if (type === 'TXT') record = { type, value: [...rest.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((s) => s[1]!).join('') };
    else if (type === 'MX') {
      const [priority, host] = rest.trim().split(/\s+/);
      record = { type, value: host!.replace(/\.$/, ''), priority: Number(priority) };
    } else record = { type, value: rest.trim().replace(/\.$/, '') } as ZoneRecord;
    const tag = (r: ZoneRecord) => (r.type === 'TXT' ? String(r.value).split(';')[0]!.split(' ')[0] : r.type);
    zone[name] = [...(zone[name] ?? []).filter((r) => r.type !== record.type || tag(r) !== tag(record)), record];
    published++;
  }
  return published;
}

export interface WebhookRequest {
  headers: IncomingHttpHeaders;
  body: string;
}

export interface WebhookReceiver {
  origin: string;
  requests: WebhookRequest[];
  close(): Promise<void>;
}

/** Answers 204 to every POST and keeps what it got. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const requests: WebhookRequest[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface PageWorld {
  database: TestDatabase;
  serve: PostroomProcess;
  /** Where the page's commands run: files they write (contacts.csv, webhook.json) are here. */
  workDir: string;
  origin: string;
  relay: string;
  inbound: string;
  /** The environment of the page's shell. */
  env: NodeJS.ProcessEnv;
  /** The command as the test runs it. */
  localize(command: string): string;
  stop(): Promise<void>;
}

export interface PageWorldOptions {
  dns: DnsServer;
  webhooks: WebhookReceiver;
  /** Extra `serve` flags (`--no-workers` for a page that sends nothing). */
  serveFlags?: string[];
}

/** Starts `postroom serve` on a fresh data directory and readies the shell's environment. */
export async function startPageWorld(options: PageWorldOptions): Promise<PageWorld> {
  const database = await createTestDatabase('sqlite');
  const env = postroomEnv(database, { POSTROOM_DNS: options.dns.address, POSTROOM_POLL_MS: '50' });
  const serve = spawnPostroom(['serve', '--http', '127.0.0.1:0', '--inbound', '127.0.0.1:0', '--smtp', '127.0.0.1:0', ...(options.serveFlags ?? [])], env);
  try {
    await waitUntil(() => /Press Ctrl-C/.test(serve.stdout()) || serve.exit() !== null, 20_000, () => `serve did not start:\n${serve.stdout()}\n${serve.stderr()}`, 50);
    const banner = serve.stdout();
    const origin = /HTTP API: (http:\/\/[^/\s]+)\/api\/v1/.exec(banner)?.[1];
    const inbound = /Inbound SMTP[^:]*: (127\.0\.0\.1:\d+)/.exec(banner)?.[1];
    const relay = /SMTP relay for applications: (127\.0\.0\.1:\d+)/.exec(banner)?.[1];
    if (!origin || !inbound || !relay) throw new Error(`serve printed no HTTP, inbound or relay address:\n${banner}\n${serve.stderr()}`);

    const workDir = tempDir('postroom-guide-work-');
    const bin = path.join(workDir, '.bin');
    mkdirSync(bin);
    writeFileSync(path.join(bin, 'postroom'), `#!/bin/sh\nexec '${process.execPath}' '${CLI}' "$@"\n`);
    chmodSync(path.join(bin, 'postroom'), 0o755);
    const shellEnv: NodeJS.ProcessEnv = { ...env, PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`, POSTROOM: origin };
    // A webhook receiver on 127.0.0.1 is a private address: allowed here, as a reader may for a receiver on their own network.
    await cliOk(shellEnv, ['settings', 'set', 'webhooks_allow_private', 'true']);
    shellEnv.API_KEY = (await cliOk(shellEnv, ['apikey', 'create', '--user', 'admin@postroom.local', '--name', 'guide test'])).trim();

    const hostPort = origin.replace(/^http:\/\//, '');
    const substitutions: Array<[RegExp, string]> = [
      [/\bnpx postroom\b/g, 'postroom'],
      [/http:\/\/127\.0\.0\.1:8025/g, origin],
      [/127\.0\.0\.1:8025/g, hostPort],
      [/127\.0\.0\.1:2587/g, relay],
      [/127\.0\.0\.1:2525/g, inbound],
      [/https:\/\/hooks\.example\.com/g, options.webhooks.origin],
    ];
    return {
      database,
      serve,
      workDir,
      origin,
      relay,
      inbound,
      env: shellEnv,
      localize: (command) => substitutions.reduce((text, [pattern, value]) => text.replace(pattern, value), command),
      async stop() {
        serve.kill('SIGTERM');
        await serve.waitForExit(15_000).catch(() => undefined);
        await database.drop();
        rmSync(workDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    serve.kill('SIGKILL');
    await database.drop();
    throw error;
  }
}

/** Runs the built CLI with the page's environment; resolves with its stdout, rejects on a non-zero exit. */
export async function cliOk(env: NodeJS.ProcessEnv, args: string[]): Promise<string> {
  const run = spawnPostroom(args, env);
  const exit = await run.waitForExit(30_000);
  if (exit.code !== 0) throw new Error(`postroom ${args.join(' ')} exited ${exit.code}: ${run.stderr()}`);
  return run.stdout();
}
