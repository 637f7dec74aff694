/**
 * What the web UI reads beyond the messages API, over real HTTP on each test database: the
 * dashboard's numbers (outcomes per hour, the queue, each server's health — failing when a real
 * SMTP server keeps refusing), the sandbox inbox (each user sees only the copies of their own
 * messages), search by recipient or subject, and the UI itself served at `/`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { testDatabaseKinds, type TestDatabaseKind } from '../helpers/databases.js';
import { startSink, type Sink } from '../helpers/smtp-sink.js';
import { smtpServer } from '../helpers/engine.js';
import { startApi, type Api } from './api-harness.js';

interface Counts {
  sent: number;
  deferred: number;
  failed: number;
}
interface StatsAnswer {
  since: string;
  until: string;
  bucketMs: number;
  buckets: Array<Counts & { start: string }>;
  totals: Counts;
  queue: { queued: number; deferred: number; sending: number; oldestDueAt: string | null };
  servers: Array<{ name: string; health: string; lastHour: Counts; last24h: Counts; lastError: { code: number | null; response: string | null } | null }>;
}
interface InboxAnswer {
  messages: Array<{ id: string; messageId: string; server: string; recipient: string; from: string; subject: string; receivedAt: string }>;
  nextCursor: string | null;
}

const send = async (a: Api, key: string, body: Record<string, unknown>): Promise<string> => {
  const answer = await a.request<{ id: string }>('POST', '/api/v1/messages', { key, body: { from: 'ana@example.com', text: 'Hello', ...body } });
  expect(answer.status, answer.text).toBe(202);
  return answer.json.id;
};

describe.each(testDatabaseKinds())('dashboard and sandbox inbox API on %s', (kind: TestDatabaseKind) => {
  let api: Api | undefined;
  let sink: Sink | undefined;
  afterEach(async () => {
    await api?.close();
    await sink?.close();
    api = sink = undefined;
  });

  it('counts outcomes per hour and the queue; a sender counts only their own messages', async () => {
    const a = (api = await startApi(kind));
    await a.engine.addServer({ name: 'Sandbox', kind: 'sandbox', priority: 1000 });
    sink = await startSink({ script: { rcpt: (to) => (to.startsWith('nobody') ? { code: 550, text: '5.1.1 no such user' } : undefined) } });
    await a.engine.addServer(smtpServer(sink.port, { name: 'relay', fromFilter: 'relay.example.com' }));
    const sent = [await send(a, a.senderA.key, { to: ['x@example.org'], subject: 'one' }), await send(a, a.senderA.key, { to: ['y@example.org'], subject: 'two' })];
    const failed = await send(a, a.senderB.key, { from: 'bo@relay.example.com', to: ['nobody@example.org'], subject: 'three' });

    // Nothing has been delivered yet: all three wait in the queue.
    const before = await a.request<StatsAnswer>('GET', '/api/v1/stats', { key: a.admin.key });
    expect(before.status, before.text).toBe(200);
    expect(before.json.queue).toMatchObject({ queued: 3, deferred: 0, sending: 0 });
    expect(before.json.queue.oldestDueAt).not.toBeNull();
    expect(before.json.totals).toEqual({ sent: 0, deferred: 0, failed: 0 });

    a.engine.startWorker();
    await a.engine.waitForStatus(sent, ['sent']);
    await a.engine.waitForStatus([failed], ['failed']);

    const stats = await a.request<StatsAnswer>('GET', '/api/v1/stats?hours=24', { key: a.admin.key });
    expect(stats.json.buckets).toHaveLength(24);
    expect(stats.json.bucketMs).toBe(3_600_000);
    expect(stats.json.totals).toEqual({ sent: 2, deferred: 0, failed: 1 });
    // The current hour is the last bucket and holds everything just sent.
    expect(stats.json.buckets.at(-1)).toMatchObject({ sent: 2, failed: 1 });
    expect(Date.parse(stats.json.buckets.at(-1)!.start)).toBeLessThanOrEqual(Date.now());
    expect(stats.json.queue).toEqual({ queued: 0, deferred: 0, sending: 0, oldestDueAt: null });
    const byName = Object.fromEntries(stats.json.servers.map((s) => [s.name, s]));
    expect(byName.Sandbox).toMatchObject({ health: 'ok', lastHour: { sent: 2, deferred: 0, failed: 0 }, last24h: { sent: 2 } });
    expect(byName.relay).toMatchObject({ lastHour: { sent: 0, failed: 1 }, lastError: { code: 550 } });
    expect(byName.relay!.lastError!.response).toMatch(/no such user/);

    // Sender A sees their own two messages and no servers; sender B their one failure.
    const mine = await a.request<StatsAnswer>('GET', '/api/v1/stats', { key: a.senderA.key });
    expect(mine.json.totals).toEqual({ sent: 2, deferred: 0, failed: 0 });
    expect(mine.json.servers).toEqual([]);
    const theirs = await a.request<StatsAnswer>('GET', '/api/v1/stats', { key: a.senderB.key });
    expect(theirs.json.totals).toEqual({ sent: 0, deferred: 0, failed: 1 });

    const bad = await a.request<{ error: { field: string } }>('GET', '/api/v1/stats?hours=1000', { key: a.admin.key });
    expect(bad.status).toBe(400);
    expect(bad.json.error.field).toBe('hours');
  });

  it('marks a server failing when it keeps refusing with nothing sent, paused when it rate-limits, inactive when switched off', async () => {
    const a = (api = await startApi(kind, { engine: { retry: { firstDelayMs: 60_000, maxDelayMs: 60_000, serverBackoffMs: 60_000 } } }));
    sink = await startSink({ script: { rcpt: () => ({ code: 450, text: '4.2.0 mailbox busy, try again later' }) } });
    const limiter = await startSink({ script: { mail: () => ({ code: 421, text: '4.7.28 rate limited, slow down' }) } });
    try {
      await a.engine.addServer(smtpServer(sink.port, { name: 'refusing' }));
      await a.engine.addServer(smtpServer(limiter.port, { name: 'limiting' }));
      await a.engine.addServer({ name: 'spare', kind: 'sandbox', priority: 50, active: false });
      const ids = [];
      for (let n = 0; n < 3; n++) ids.push(await send(a, a.senderA.key, { to: [`r${n}@example.org`], subject: `m${n}`, server: 'refusing' }));
      await send(a, a.senderA.key, { to: ['slow@example.org'], subject: 'limited', server: 'limiting' });
      a.engine.startWorker();
      await a.engine.waitForStatus(ids, ['deferred']);
      const deadline = Date.now() + 10_000;
      let stats: StatsAnswer;
      for (;;) {
        stats = (await a.request<StatsAnswer>('GET', '/api/v1/stats', { key: a.admin.key })).json;
        if (stats.servers.find((s) => s.name === 'limiting')?.health === 'paused' || Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const byName = Object.fromEntries(stats.servers.map((s) => [s.name, s]));
      expect(byName.refusing).toMatchObject({ health: 'failing', lastHour: { sent: 0, deferred: 3, failed: 0 } });
      expect(byName.refusing!.lastError).toMatchObject({ code: 450 });
      expect(byName.refusing!.lastError!.response).toMatch(/mailbox busy/);
      expect(byName.limiting!.health).toBe('paused');
      expect(byName.spare!.health).toBe('inactive');
      expect(stats.queue.deferred).toBe(3);
    } finally {
      await limiter.close();
    }
  });

  it('shows each user the sandbox copies of their own messages only, searchable, with content and attachments', async () => {
    const a = (api = await startApi(kind));
    await a.engine.addServer({ name: 'Sandbox', kind: 'sandbox', priority: 1000 });
    const mineId = await send(a, a.senderA.key, {
      to: ['first@example.org', 'second@example.org'],
      subject: 'Invoice 7',
      html: '<p>Your <b>invoice</b></p>',
      attachments: [{ filename: 'invoice.txt', contentType: 'text/plain', content: Buffer.from('total: 42').toString('base64') }],
    });
    const theirsId = await send(a, a.senderB.key, { to: ['other@example.org'], subject: 'Private note' });
    const cliId = await a.engine.enqueue({ from: 'ops@example.com', to: ['ops@example.org'], subject: 'From the command line', text: 'hi' });
    a.engine.startWorker();
    await a.engine.waitForStatus([mineId, theirsId, cliId], ['sent']);

    const list = await a.request<InboxAnswer>('GET', '/api/v1/sandbox/messages', { key: a.senderA.key });
    expect(list.status, list.text).toBe(200);
    expect(list.json.messages.map((m) => m.recipient).sort()).toEqual(['first@example.org', 'second@example.org']);
    expect(list.json.messages[0]).toMatchObject({ messageId: mineId, server: 'Sandbox', subject: 'Invoice 7', from: 'ana@example.com' });

    // Paging: one at a time, the cursor continues.
    const first = await a.request<InboxAnswer>('GET', '/api/v1/sandbox/messages?limit=1', { key: a.senderA.key });
    const second = await a.request<InboxAnswer>('GET', `/api/v1/sandbox/messages?limit=1&cursor=${first.json.nextCursor}`, { key: a.senderA.key });
    expect([...first.json.messages, ...second.json.messages].map((m) => m.id)).toEqual(list.json.messages.map((m) => m.id));
    expect(second.json.nextCursor).toBeNull();

    const search = await a.request<InboxAnswer>('GET', '/api/v1/sandbox/messages?q=SECOND', { key: a.senderA.key });
    expect(search.json.messages.map((m) => m.recipient)).toEqual(['second@example.org']);

    const copy = list.json.messages[0]!;
    const detail = await a.request<{ content: { html: string; attachments: Array<{ filename: string }> } }>('GET', `/api/v1/sandbox/messages/${copy.id}`, { key: a.senderA.key });
    expect(detail.status).toBe(200);
    expect(detail.json.content.html).toContain('<b>invoice</b>');
    expect(detail.json.content.attachments.map((f) => f.filename)).toEqual(['invoice.txt']);
    const file = await a.request('GET', `/api/v1/sandbox/messages/${copy.id}/attachments/0`, { key: a.senderA.key });
    expect(file.text).toBe('total: 42');
    expect(file.headers.get('content-disposition')).toMatch(/^attachment; filename="invoice.txt"/);
    expect((await a.request('GET', `/api/v1/sandbox/messages/${copy.id}/raw`, { key: a.senderA.key })).text).toMatch(/Subject: Invoice 7/);

    // Another sender: not listed, and 404 as if it did not exist. The admin sees their own and the command line's.
    const other = await a.request<InboxAnswer>('GET', '/api/v1/sandbox/messages', { key: a.senderB.key });
    expect(other.json.messages.map((m) => m.subject)).toEqual(['Private note']);
    for (const path of [`/api/v1/sandbox/messages/${copy.id}`, `/api/v1/sandbox/messages/${copy.id}/attachments/0`, `/api/v1/sandbox/messages/${copy.id}/raw`]) {
      expect((await a.request('GET', path, { key: a.senderB.key })).status).toBe(404);
      expect((await a.request('GET', path, { key: a.admin.key })).status).toBe(404);
    }
    const admin = await a.request<InboxAnswer>('GET', '/api/v1/sandbox/messages', { key: a.admin.key });
    expect(admin.json.messages.map((m) => m.subject)).toEqual(['From the command line']);
  });

  it('finds messages by a part of a recipient address or of the subject', async () => {
    const a = (api = await startApi(kind));
    const invoice = await send(a, a.senderA.key, { to: ['Billing@Example.org'], subject: 'Invoice 7' });
    const welcome = await send(a, a.senderA.key, { to: ['new.user@example.net'], cc: ['invoice-copies@example.com'], subject: 'Welcome' });
    const ids = async (q: string) =>
      (await a.request<{ messages: Array<{ id: string }> }>('GET', `/api/v1/messages?q=${encodeURIComponent(q)}`, { key: a.senderA.key })).json.messages.map((m) => m.id);
    expect(await ids('billing@')).toEqual([invoice]);
    expect(await ids('example.net')).toEqual([welcome]);
    expect(await ids('invoice')).toEqual([welcome, invoice]); // a cc address and a subject
    expect(await ids('nothing like this')).toEqual([]);
  });

  it('serves the web UI at / and every page address, with a strict content security policy', async () => {
    const a = (api = await startApi(kind));
    for (const path of ['/', '/emails', '/emails/msg_123', '/servers/new']) {
      const page = await a.request('GET', path);
      expect(page.status, path).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(page.text).toContain('<div id="root">');
      expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
      expect(page.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
      expect(page.headers.get('cache-control')).toBe('no-cache');
    }
    const script = /src="(\/assets\/[^"]+\.js)"/.exec((await a.request('GET', '/')).text)?.[1];
    expect(script).toBeDefined();
    const asset = await a.request('GET', script!);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toMatch(/immutable/);
    expect((await a.request('GET', '/assets/missing.js')).status).toBe(404);
    const api404 = await a.request<{ error: { code: string } }>('GET', '/api/v1/no-such-thing', { key: a.admin.key });
    expect(api404.status).toBe(404);
    expect(api404.json.error.code).toBe('not_found');
  });
});
