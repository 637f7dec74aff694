/**
 * The built `postroom` CLI end to end: servers, settings, send, the queue commands, `worker
 * --exit-when-idle` against a real SMTP sink in this process, and `serve` on a fresh install.
 * Each test gets its own SQLite data directory.
 */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSink, type Sink, type SinkOptions } from '../helpers/smtp-sink.js';
import { createSecretBox } from '../../src/servers/secret-box.js';
import { SECRET_KEY, assertBuilt, cli, newDataDir, ok, okJson, query, startCli, waitFor, within, type Child } from './run-cli.js';

const PASSWORD = 'Tr0ub4dor-and-3-not-in-any-output';

beforeAll(() => assertBuilt());

let data: ReturnType<typeof newDataDir> | undefined;
let sink: Sink | undefined;
let children: Child[] = [];

afterEach(async () => {
  for (const child of children) child.kill();
  children = [];
  await sink?.close();
  sink = undefined;
  data?.remove();
  data = undefined;
});

function freshDir(): string {
  data = newDataDir();
  return data.dir;
}

async function withSink(options: SinkOptions = {}): Promise<Sink> {
  sink = await startSink(options);
  return sink;
}

/** An SMTP server pointing at the in-test sink, without TLS. */
async function addSinkServer(dir: string, s: Sink, name = 'Sink', ...extra: string[]): Promise<void> {
  await ok(dir, ['server', 'add', '--name', name, '--host', '127.0.0.1', '--port', String(s.port), '--security', 'none', ...extra]);
}

async function send(dir: string, ...args: string[]): Promise<string> {
  const stdout = await ok(dir, ['send', ...args]);
  expect(stdout).toMatch(/^msg_[0-9a-z]+\n$/);
  return stdout.trim();
}

async function runWorker(dir: string): Promise<string> {
  const result = await cli(dir, ['worker', '--exit-when-idle'], { timeoutMs: 30_000 });
  expect(result.signal, `the worker did not exit by itself: ${result.stderr}`).toBeNull();
  expect(result.code, result.stderr).toBe(0);
  expect(result.stderr).toBe('');
  return result.stdout;
}

const show = (dir: string, id: string) => okJson(dir, ['queue', 'show', id]);

/** Decrypts a sealed server secret with the key the children were given. */
function openSecret(sealed: string): unknown {
  return JSON.parse(createSecretBox(Buffer.from(SECRET_KEY, 'hex')).open(sealed));
}

/** Every key anywhere in a JSON value. */
function keysOf(value: unknown, into: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => keysOf(v, into));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      into.push(k);
      keysOf(v, into);
    }
  }
  return into;
}

describe('migrate', () => {
  it('applies the migrations once, then says the schema is up to date', async () => {
    const dir = freshDir();
    expect(await ok(dir, ['migrate'])).toMatch(/^applied \S+/);
    expect(await ok(dir, ['migrate'])).toBe('the schema is up to date\n');
    expect(await okJson(dir, ['migrate'])).toEqual({ applied: [] });
  });
});

describe('server commands', () => {
  it('adds a server with --password-env and never prints the password or the sealed secret', async () => {
    const dir = freshDir();
    const env = { RELAY_PASSWORD: PASSWORD };
    const added = await cli(dir, [
      'server', 'add', '--name', 'Relay', '--host', 'smtp.example.com', '--port', '2525', '--security', 'starttls',
      '--auth', 'password', '--user', 'mailer', '--password-env', 'RELAY_PASSWORD',
      '--priority', '20', '--from-filter', 'example.com, news@example.org', '--max-concurrent', '3', '--per-minute', '100',
    ], { env });
    expect(added.code, added.stderr).toBe(0);
    expect(added.stderr).toBe('');
    expect(added.stdout).toMatch(/^added server Relay \(srv_[0-9a-z]+\)\n$/);

    const sealed = query<{ secret: string | null; username: string }>(dir, 'select secret, username from servers where name = ?', 'Relay')[0]!;
    expect(sealed.username).toBe('mailer');
    expect(sealed.secret).toBeTruthy();
    expect(String(sealed.secret)).not.toContain(PASSWORD); // encrypted at rest

    const json = await cli(dir, ['--json', 'server', 'list'], { env });
    expect(json.code, json.stderr).toBe(0);
    expect(json.stdout).not.toContain(PASSWORD);
    expect(json.stdout).not.toContain(String(sealed.secret));
    const servers = JSON.parse(json.stdout);
    expect(servers).toHaveLength(1);
    expect(servers[0]).toMatchObject({
      name: 'Relay', kind: 'smtp', host: 'smtp.example.com', port: 2525, security: 'starttls', auth: 'password', username: 'mailer',
      priority: 20, fromFilter: 'example.com, news@example.org', active: true, maxConcurrent: 3, perMinute: 100, perHour: null, hasSecret: true,
    });
    expect(servers[0].id).toMatch(/^srv_/);
    const keys = keysOf(servers).map((k) => k.toLowerCase());
    for (const forbidden of ['password', 'secret', 'privatekey', 'certificate']) expect(keys).not.toContain(forbidden);

    const human = await ok(dir, ['server', 'list']);
    expect(human).not.toContain(PASSWORD);
    const lines = human.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+KIND\s+PRIORITY\s+FROM FILTER\s+STATUS\s+HOST\s+SECURITY\s+AUTH\s+LIMITS$/);
    expect(lines[1]).toMatch(/^Relay\s+smtp\s+20\s+example\.com, news@example\.org\s+active\s+smtp\.example\.com:2525\s+starttls\s+password\s+3 at a time, 100\/min$/);

    const addJson = await cli(dir, ['--json', 'server', 'add', '--name', 'Second', '--host', 'mx.example.org', '--auth', 'password', '--user', 'u2', '--password-env', 'RELAY_PASSWORD'], { env });
    expect(addJson.code, addJson.stderr).toBe(0);
    expect(addJson.stdout).not.toContain(PASSWORD);
    expect(JSON.parse(addJson.stdout)).toMatchObject({ name: 'Second', port: 587, security: 'starttls', hasSecret: true });
  });

  it('lists servers in routing order, updates priority and --inactive, keeps the password, and removes', async () => {
    const dir = freshDir();
    expect(await ok(dir, ['server', 'list'])).toBe('no servers\n');
    expect(await okJson(dir, ['server', 'list'])).toEqual([]);
    await ok(dir, ['server', 'add', '--name', 'Main', '--host', 'smtp.example.com', '--auth', 'password', '--user', 'me', '--password-env', 'PW'], { env: { PW: PASSWORD } });
    await ok(dir, ['server', 'add', '--name', 'Backup', '--host', 'backup.example.com', '--priority', '50']);
    expect((await okJson(dir, ['server', 'list'])).map((s: { name: string }) => s.name)).toEqual(['Main', 'Backup']);
    const secretBefore = query<{ secret: string }>(dir, 'select secret from servers where name = ?', 'Main')[0]!.secret;

    const updated = await okJson(dir, ['server', 'update', 'Main', '--priority', '5', '--inactive']);
    expect(updated).toMatchObject({ name: 'Main', priority: 5, active: false, auth: 'password', username: 'me', hasSecret: true });
    expect(await ok(dir, ['server', 'update', 'Backup', '--priority', '1', '--per-day', '2000'])).toBe('updated server Backup\n');
    const shown = await ok(dir, ['server', 'show', 'Backup']);
    expect(shown).toMatch(/^state: active$/m);
    expect(shown).toMatch(/^quota per day: 0 of 2000 used, the count starts again at \d{4}-\d\d-\d\d 00:00:00Z$/m);

    const listed = await okJson(dir, ['server', 'list']);
    expect(listed.map((s: { name: string; priority: number; active: boolean }) => [s.name, s.priority, s.active])).toEqual([
      ['Backup', 1, true],
      ['Main', 5, false],
    ]);
    expect(await ok(dir, ['server', 'list'])).toMatch(/^Main\s+smtp\s+5\s+\(any\)\s+inactive\s/m);
    // Updating other fields keeps the stored password, sealed with POSTROOM_SECRET_KEY (no key file).
    expect(openSecret(secretBefore)).toEqual({ password: PASSWORD });
    expect(openSecret(query<{ secret: string }>(dir, 'select secret from servers where name = ?', 'Main')[0]!.secret)).toEqual({ password: PASSWORD });
    expect(existsSync(path.join(dir, 'secret.key'))).toBe(false);

    const back = await okJson(dir, ['server', 'update', 'Main', '--active', '--name', 'Primary']);
    expect(back).toMatchObject({ name: 'Primary', active: true, priority: 5, hasSecret: true });

    expect(await ok(dir, ['server', 'remove', 'Primary'])).toBe('removed server Primary\n');
    const backupId = listed[0].id as string;
    expect(await okJson(dir, ['server', 'remove', backupId])).toEqual({ removed: backupId, name: 'Backup' });
    expect(await okJson(dir, ['server', 'list'])).toEqual([]);
    const again = await cli(dir, ['server', 'remove', 'Primary']);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe('error: server: no server named "Primary"\n');
    // Fifteen command starts: on a busy 2-core machine each may take a few seconds.
  }, 150_000);

  it('authenticates with the password read from --password-env when it delivers', async () => {
    const dir = freshDir();
    const s = await withSink({ auth: { username: 'mailer', password: PASSWORD } });
    await ok(dir, ['server', 'add', '--name', 'Authed', '--host', '127.0.0.1', '--port', String(s.port), '--security', 'none',
      '--auth', 'password', '--user', 'mailer', '--password-env', 'SINK_PASSWORD'], { env: { SINK_PASSWORD: PASSWORD } });
    // Test Connection authenticates and quits without sending mail.
    expect(await ok(dir, ['server', 'test', 'Authed'])).toBe(`ok: connected to 127.0.0.1:${s.port}, authenticated as mailer\n`);
    expect(await okJson(dir, ['server', 'test', 'Authed'])).toEqual({ server: 'Authed', ok: true, detail: `connected to 127.0.0.1:${s.port}, authenticated as mailer` });
    await ok(dir, ['server', 'add', '--name', 'WrongPassword', '--host', '127.0.0.1', '--port', String(s.port), '--security', 'none',
      '--auth', 'password', '--user', 'mailer', '--password-env', 'SINK_PASSWORD', '--priority', '99'], { env: { SINK_PASSWORD: 'not-the-password' } });
    const wrong = await cli(dir, ['server', 'test', 'WrongPassword']);
    expect(wrong).toMatchObject({ code: 1, stdout: 'failed at auth: 535 5.7.8 Authentication credentials invalid\n' });
    expect(wrong.stdout + wrong.stderr).not.toContain('not-the-password');
    const refused = await cli(dir, ['--json', 'server', 'test', 'WrongPassword']);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout)).toMatchObject({ server: 'WrongPassword', ok: false, stage: 'auth' });
    expect(s.messages).toHaveLength(0);

    // The variable is needed only when the server is added; the worker reads the sealed copy.
    const id = await send(dir, '--from', 'alice@example.com', '--to', 'bob@example.org', '--subject', 'Auth', '--text', 'x');
    await runWorker(dir);
    expect(s.messages.map((m) => m.user)).toEqual(['mailer']);
    expect(s.authAttempts.length).toBeGreaterThanOrEqual(4); // two tests, one wrong, and the delivery
    expect((await show(dir, id)).status).toBe('sent');
  }, 60_000);
});

describe('settings commands', () => {
  it('sets and gets domain_alias and default_from, as text and JSON', async () => {
    const dir = freshDir();
    expect(await okJson(dir, ['settings', 'get'])).toMatchObject({ domain_alias: null, default_from: null, bulk_server: null, webhooks_allow_private: null, sending_ips: null });
    expect(await ok(dir, ['settings', 'set', 'domain_alias', 'Example.NET'])).toBe('domain_alias = example.net\n');
    expect(await ok(dir, ['settings', 'set', 'default_from', 'notifications'])).toBe('default_from = notifications\n');

    expect(await okJson(dir, ['settings', 'get', 'domain_alias'])).toEqual({ domain_alias: 'example.net' });
    expect(await ok(dir, ['settings', 'get', 'default_from'])).toBe('notifications\n');
    expect(await okJson(dir, ['settings', 'get'])).toMatchObject({ domain_alias: 'example.net', default_from: 'notifications', bulk_server: null, webhooks_allow_private: null });
    const table = await ok(dir, ['settings', 'get']);
    expect(table).toMatch(/^KEY\s+VALUE\s+MEANING$/m);
    expect(table).toMatch(/^domain_alias\s+example\.net\s+Domain used/m);
    expect(table).toMatch(/^default_from\s+notifications\s+Local part/m);

    // An empty value clears a setting.
    expect(await okJson(dir, ['settings', 'set', 'domain_alias', ''])).toMatchObject({ domain_alias: null, default_from: 'notifications' });
    expect(await ok(dir, ['settings', 'get', 'domain_alias'])).toBe('\n');
  });

  it('shows bulk_server by name, also after the server is renamed', async () => {
    const dir = freshDir();
    await ok(dir, ['server', 'add', '--name', 'Bulk', '--host', 'bulk.example.com']);
    expect(await ok(dir, ['settings', 'set', 'bulk_server', 'Bulk'])).toBe('bulk_server = Bulk\n');
    expect(await okJson(dir, ['settings', 'get', 'bulk_server'])).toEqual({ bulk_server: 'Bulk' });
    expect(await ok(dir, ['settings', 'get', 'bulk_server'])).toBe('Bulk\n');
    // Stored by id: a rename keeps the setting.
    await ok(dir, ['server', 'update', 'Bulk', '--name', 'Campaigns']);
    expect(await okJson(dir, ['settings', 'get', 'bulk_server'])).toEqual({ bulk_server: 'Campaigns' });
  });
});

describe('send, queue and worker', () => {
  it('queues a message, shows it, and the worker delivers it with its attachments to the sink', async () => {
    const dir = freshDir();
    const s = await withSink();
    await addSinkServer(dir, s);
    const report = path.join(dir, 'report.csv');
    const logo = path.join(dir, 'logo.bin');
    writeFileSync(report, 'region,total\nnorth,42\n');
    writeFileSync(logo, Buffer.from([0, 1, 2, 250, 251, 252, 253, 254, 255]));

    const id = await send(
      dir,
      '--from', 'Alice Example <alice@example.com>', '--to', 'bob@example.org', '--cc', 'carol@example.org', '--bcc', 'dave@example.org',
      '--reply-to', 'replies@example.com', '--subject', 'Quarterly report', '--text', 'See attached.',
      '--attach', report, '--attach', logo, '--header', 'X-Campaign: q3',
    );

    const listed = await okJson(dir, ['queue', 'list']);
    expect(listed).toEqual([expect.objectContaining({ id, status: 'queued', from: 'Alice Example <alice@example.com>', subject: 'Quarterly report', server: null })]);
    expect(await ok(dir, ['queue', 'list'])).toMatch(new RegExp(`^${id}\\s+queued\\s+alice@example\\.com\\s+bob@example\\.org\\s+Quarterly report`, 'm'));

    const queued = await show(dir, id);
    expect(queued).toMatchObject({
      id, status: 'queued', from: 'Alice Example <alice@example.com>', replyTo: 'replies@example.com', subject: 'Quarterly report', server: null,
    });
    expect(queued.recipients).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ address: 'bob@example.org', kind: 'to', status: 'queued', attempts: 0, response: null }),
        expect.objectContaining({ address: 'carol@example.org', kind: 'cc', status: 'queued', attempts: 0, response: null }),
        expect.objectContaining({ address: 'dave@example.org', kind: 'bcc', status: 'queued', attempts: 0, response: null }),
      ]),
    );
    expect(queued.recipients).toHaveLength(3);
    expect(queued.events.map((e: { type: string }) => e.type)).toEqual(['queued']);
    const humanShow = await ok(dir, ['queue', 'show', id]);
    expect(humanShow).toMatch(new RegExp(`^${id}  queued$`, 'm'));
    expect(humanShow).toMatch(/^Server:\s+\(not routed yet\)$/m);

    const workerOut = await runWorker(dir);
    expect(workerOut).toBe('stopped after recording 3 outcome(s)\n');

    expect(s.messages).toHaveLength(1);
    const got = s.messages[0]!;
    expect(got.from).toBe('alice@example.com');
    expect([...got.to].sort()).toEqual(['bob@example.org', 'carol@example.org', 'dave@example.org']);
    const raw = got.raw.toString('utf8');
    expect(raw).toMatch(/^Subject: Quarterly report\r?$/m);
    expect(raw).toMatch(/^X-Campaign: q3\r?$/m);
    expect(raw).not.toMatch(/^Bcc:/im);
    expect(raw).toMatch(/filename="?report\.csv"?/);
    expect(raw).toMatch(/filename="?logo\.bin"?/);
    expect(raw).toContain(Buffer.from('region,total\nnorth,42\n').toString('base64'));
    expect(raw).toContain(Buffer.from([0, 1, 2, 250, 251, 252, 253, 254, 255]).toString('base64'));

    const sent = await show(dir, id);
    expect(sent).toMatchObject({ id, status: 'sent', server: 'Sink' });
    expect(sent.recipients).toHaveLength(3);
    for (const r of sent.recipients) {
      // The sink's own answer to the DATA of this message, with its codes.
      expect(r).toMatchObject({ status: 'sent', attempts: 1, code: 250, enhancedCode: '2.0.0', response: '250 2.0.0 Ok: queued', nextAttemptAt: null });
    }
    expect(sent.events.map((e: { type: string }) => e.type)).toEqual(['queued', 'sent', 'sent', 'sent']);
    expect(sent.events.slice(1).map((e: { recipient: string }) => e.recipient).sort()).toEqual(['bob@example.org', 'carol@example.org', 'dave@example.org']);
    expect(sent.events[1]).toMatchObject({ attempt: 1, code: 250, enhancedCode: '2.0.0', response: expect.stringContaining('Ok: queued') });
    expect(sent.events[1].server).toBe('Sink');
    expect(await okJson(dir, ['queue', 'list', '--status', 'sent'])).toEqual([expect.objectContaining({ id, status: 'sent', server: 'Sink' })]);
    expect(await okJson(dir, ['queue', 'list', '--status', 'queued'])).toEqual([]);
  }, 60_000);

  it('sends through the server named by --server instead of routing by From', async () => {
    const dir = freshDir();
    const s = await withSink();
    await ok(dir, ['server', 'add', '--name', 'Preferred', '--host', '127.0.0.1', '--port', '1', '--security', 'none', '--priority', '1']);
    await addSinkServer(dir, s, 'Chosen', '--priority', '99');
    const id = await send(dir, '--from', 'alice@example.com', '--to', 'bob@example.org', '--subject', 'Via chosen', '--html', '<p>hi</p>', '--server', 'Chosen');
    await runWorker(dir);
    expect(s.messages.map((m) => m.subject)).toEqual(['Via chosen']);
    expect(await show(dir, id)).toMatchObject({ status: 'sent', server: 'Chosen' });
  }, 60_000);

  it('cancels a queued message, and the worker does not send it', async () => {
    const dir = freshDir();
    const s = await withSink();
    await addSinkServer(dir, s);
    const id = await send(dir, '--from', 'alice@example.com', '--to', 'bob@example.org', '--to', 'erin@example.org', '--subject', 'Never mind', '--text', 'x');
    const keep = await send(dir, '--from', 'alice@example.com', '--to', 'bob@example.org', '--subject', 'Keep me', '--text', 'x');

    expect(await okJson(dir, ['queue', 'cancel', id])).toEqual({ id, status: 'cancelled', recipients: 2 });
    const cancelled = await show(dir, id);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.recipients.map((r: { status: string }) => r.status)).toEqual(['cancelled', 'cancelled']);
    expect(cancelled.events.map((e: { type: string }) => e.type)).toEqual(['queued', 'cancelled']);

    await runWorker(dir);
    expect(s.messages.map((m) => m.subject)).toEqual(['Keep me']);
    expect((await show(dir, id)).status).toBe('cancelled');
    expect((await show(dir, keep)).status).toBe('sent');

    const twice = await cli(dir, ['queue', 'cancel', id]);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toBe(`error: id: message ${id} is cancelled; only queued, deferred or failed messages can be cancelled\n`);
    expect(await ok(dir, ['queue', 'cancel', keep]).catch((e: Error) => e.message)).toMatch(/is sent; only queued, deferred or failed messages can be cancelled/);
  }, 60_000);

  it('retries a failed message: queued again with a retried event, then delivered', async () => {
    const dir = freshDir();
    let reject = true;
    const s = await withSink({ script: { rcpt: () => (reject ? { code: 554, text: '5.7.1 Message refused by policy' } : undefined) } });
    await addSinkServer(dir, s);
    const id = await send(dir, '--from', 'alice@example.com', '--to', 'bob@example.org', '--subject', 'Try again', '--text', 'x');

    await runWorker(dir);
    expect(s.messages).toHaveLength(0);
    const failed = await show(dir, id);
    expect(failed.status).toBe('failed');
    expect(failed.recipients).toEqual([expect.objectContaining({ address: 'bob@example.org', status: 'failed', attempts: 1, code: 554 })]);
    expect(failed.recipients[0].response).toMatch(/^554 5\.7\.1 Message refused by policy$/);
    expect(failed.events.map((e: { type: string }) => e.type)).toEqual(['queued', 'failed']);

    expect(await ok(dir, ['queue', 'retry', id])).toBe(`${id}: 1 recipient(s) queued again\n`);
    const retried = await show(dir, id);
    expect(retried.status).toBe('queued');
    expect(retried.recipients).toEqual([expect.objectContaining({ status: 'queued', attempts: 1 })]);
    expect(retried.events.map((e: { type: string }) => e.type)).toEqual(['queued', 'failed', 'retried']);
    expect(await okJson(dir, ['queue', 'list', '--status', 'queued'])).toEqual([expect.objectContaining({ id })]);

    reject = false;
    await runWorker(dir);
    expect(s.messages.map((m) => m.subject)).toEqual(['Try again']);
    const sent = await show(dir, id);
    expect(sent.status).toBe('sent');
    expect(sent.recipients).toEqual([expect.objectContaining({ status: 'sent', attempts: 2, code: 250, response: '250 2.0.0 Ok: queued' })]);
    expect(sent.events.map((e: { type: string }) => e.type)).toEqual(['queued', 'failed', 'retried', 'sent']);
    expect(sent.events[2]).toMatchObject({ type: 'retried', detail: '1 recipient(s)' });

    const again = await cli(dir, ['queue', 'retry', id]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`error: id: message ${id} is sent; only queued, deferred or failed messages can be retried\n`);
  }, 60_000);

  // --json lowers logging to warnings only when no level was chosen; an explicit
  // POSTROOM_LOG_LEVEL=silent must still hold (a 421 makes the server rest, which logs a warning).
  it('keeps stderr quiet under --json when POSTROOM_LOG_LEVEL=silent', async () => {
    const dir = freshDir();
    const s = await withSink({ script: { mail: () => ({ code: 421, text: '4.7.0 Too many messages, slow down' }) } });
    await addSinkServer(dir, s);
    await send(dir, '--from', 'alice@example.com', '--to', 'bob@example.org', '--subject', 'Slow', '--text', 'x');
    const result = await cli(dir, ['--json', 'worker', '--exit-when-idle']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ stopped: true, recorded: 1 });
    expect(result.stderr).toBe('');
  }, 60_000);

  it('prints an empty spool plainly', async () => {
    const dir = freshDir();
    expect(await ok(dir, ['queue', 'list'])).toBe('no messages\n\nthe spool is empty\n');
    expect(await okJson(dir, ['queue', 'list'])).toEqual([]);
  });
});

describe('serve', () => {
  it('creates the Sandbox server on a fresh data directory, delivers into it, and stops on SIGTERM with code 0', async () => {
    const dir = freshDir();
    const id = await send(dir, '--from', 'alice@example.com', '--to', 'bob@example.org', '--subject', 'Sandboxed', '--text', 'x');
    expect(await okJson(dir, ['server', 'list'])).toEqual([]);

    const serve = startCli(dir, ['serve', '--http', '127.0.0.1:0', '--inbound', '127.0.0.1:0', '--smtp', '127.0.0.1:0']);
    children.push(serve);
    const early = serve.exited.then((r) => `serve exited early with ${r.code ?? r.signal}: ${serve.stderr()}`);
    const sent = await Promise.race([
      waitFor(async () => {
        const view = await show(dir, id);
        return view.status === 'sent' ? view : undefined;
      }, 30_000, `message ${id} to be sent`),
      early.then((why) => Promise.reject(new Error(why))),
    ]);
    expect(sent).toMatchObject({ status: 'sent', server: 'Sandbox' });
    expect(sent.recipients).toEqual([expect.objectContaining({ address: 'bob@example.org', status: 'sent', attempts: 1 })]);

    const servers = await okJson(dir, ['server', 'list']);
    expect(servers).toEqual([expect.objectContaining({ name: 'Sandbox', kind: 'sandbox', priority: 1000, active: true })]);
    const kept = query<{ recipient: string }>(dir, 'select recipient from sandbox_messages where message_id = ?', id);
    expect(kept.map((k) => k.recipient)).toEqual(['bob@example.org']);
    expect(serve.stdout()).toContain('Created the "Sandbox" server');
    expect(serve.stdout()).toContain('Servers: Sandbox');

    serve.process.kill('SIGTERM');
    const exit = await within(serve.exited, 5_000, 'serve after SIGTERM');
    expect(exit).toEqual({ code: 0, signal: null });
    expect(serve.stderr()).toBe('');
    expect(serve.stdout()).toMatch(/stopped after recording \d+ outcome\(s\)\n$/);

    // A second start finds a server and does not add another Sandbox.
    const second = startCli(dir, ['serve', '--http', '127.0.0.1:0', '--inbound', '127.0.0.1:0', '--smtp', '127.0.0.1:0']);
    children.push(second);
    await waitFor(async () => (second.stdout().includes('Press Ctrl-C') ? true : undefined), 15_000, 'serve to start again');
    expect(second.stdout()).not.toContain('Created the "Sandbox" server');
    second.process.kill('SIGTERM');
    expect(await within(second.exited, 5_000, 'the second serve after SIGTERM')).toEqual({ code: 0, signal: null });
    expect(await okJson(dir, ['server', 'list'])).toHaveLength(1);
  }, 60_000);
});
