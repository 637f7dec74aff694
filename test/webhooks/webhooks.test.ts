/**
 * Webhooks over real HTTP: the API manages endpoints, the engine sends real messages through the
 * sandbox server, and a receiver this test runs on 127.0.0.1 checks every signature. Because the
 * receiver is on loopback, these tests allow private addresses (setting webhooks_allow_private),
 * except the ones that show loopback is refused by default.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createEngine, simpleMessage, type Engine } from '../helpers/engine.js';
import { testDatabaseKinds } from '../helpers/databases.js';
import { buildHttpApp } from '../../src/http/index.js';
import { createApiKey, createUser } from '../../src/users/index.js';
import { setSetting } from '../../src/servers/index.js';
import { enqueueMessage } from '../../src/spool/index.js';
import { startWebhooks, type Webhooks, type WebhooksOptions } from '../../src/webhooks/index.js';
import { advanceCampaigns, createCampaign, createList, findCampaign, importContacts, startCampaign } from '../../src/campaigns/index.js';
import { Readable } from 'node:stream';

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  at: number;
}

interface Receiver {
  url(path: string): string;
  requests: Received[];
  on(path: string): Received[];
  /** The status the n-th request (from 1) to `path` is answered with; 200 unless set. */
  answer(path: string, statusFor: (n: number) => number): void;
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const requests: Received[] = [];
  const answers = new Map<string, (n: number) => number>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      requests.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      const n = requests.filter((r) => r.path === path).length;
      res.statusCode = answers.get(path)?.(n) ?? 200;
      res.end(res.statusCode < 300 ? 'ok' : 'try later');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    requests,
    on: (path) => requests.filter((r) => r.path === path),
    answer: (path, statusFor) => void answers.set(path, statusFor),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** What a receiver does with Postroom-Signature: recompute the HMAC over "<t>.<body>" and compare in constant time. */
function verifySignature(secret: string, request: Received): { t: number; valid: boolean } {
  const header = String(request.headers['postroom-signature'] ?? '');
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (!match) return { t: 0, valid: false };
  const expected = createHmac('sha256', secret).update(`${match[1]}.${request.body}`).digest();
  return { t: Number(match[1]), valid: timingSafeEqual(expected, Buffer.from(match[2]!, 'hex')) };
}

async function waitFor<T>(what: string, check: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs = 12_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Account {
  id: string;
  key: string;
}

/** The API's answers, as far as these tests read them. */
interface WebhookJson {
  id: string;
  userId: string;
  url: string;
  events: string[];
  active: boolean;
  secret?: string;
}

interface DeliveryJson {
  id: string;
  type: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  nextAttemptAt: string | null;
  firstAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  updatedAt: string;
  payload: unknown;
}

interface Answer {
  status: number;
  body: Partial<WebhookJson> & {
    error?: { code: string; message: string; field: string | null };
    webhooks?: WebhookJson[];
    deliveries?: DeliveryJson[];
  };
}

describe.each(testDatabaseKinds())('webhooks on %s', (kind) => {
  let engine: Engine;
  let http_: FastifyInstance;
  let receiver: Receiver;
  let hooks: Webhooks | undefined;
  let base: string;
  let alice: Account;
  let bob: Account;
  let admin: Account;

  afterEach(async () => {
    await hooks?.stop();
    hooks = undefined;
    await http_?.close();
    await receiver?.close();
    await engine?.close();
  });

  async function setUp(): Promise<void> {
    engine = await createEngine(kind);
    await engine.addServer({ name: 'Sandbox', kind: 'sandbox', priority: 1000 });
    http_ = await buildHttpApp(engine.app);
    await http_.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(http_.server.address() as { port: number }).port}/api/v1`;
    receiver = await startReceiver();
    const account = async (email: string, role: 'admin' | 'sender'): Promise<Account> => {
      const user = await createUser(engine.app, { email, role, password: 'a long enough password' });
      return { id: user.id, key: (await createApiKey(engine.app, user.id, 'test')).key };
    };
    alice = await account('alice@example.com', 'sender');
    bob = await account('bob@example.com', 'sender');
    admin = await account('admin@example.com', 'admin');
  }

  const allowPrivate = (on: boolean) => setSetting(engine.app.store, 'webhooks_allow_private', on ? 'true' : '');

  function start(options: Partial<WebhooksOptions> = {}): void {
    const { store, clock, secrets, log } = engine.app;
    hooks = startWebhooks({ store, clock, secrets, log, pollMs: 25, settleMs: 100, backoffBaseMs: 100, ...options });
  }

  async function api(who: Account, method: string, path: string, body?: unknown): Promise<Answer> {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${who.key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as Answer['body'] };
  }

  async function addWebhook(who: Account, path: string, events: string[]): Promise<{ id: string; secret: string }> {
    const created = await api(who, 'POST', '/webhooks', { url: receiver.url(path), events });
    expect(created.status).toBe(201);
    return { id: created.body.id!, secret: created.body.secret! };
  }

  const send = (owner: Account, n: number) =>
    enqueueMessage({ store: engine.app.store, clock: engine.app.clock, lifetimeMs: engine.app.config.retry.lifetimeMs }, simpleMessage(n), { userId: owner.id });

  const deliveries = async (who: Account, webhookId: string) => (await api(who, 'GET', `/webhooks/${webhookId}/deliveries`)).body.deliveries ?? [];

  it('sends campaign.finished to the campaign owner (and admins), not to other senders', async () => {
    await setUp();
    await allowPrivate(true);
    const own = await addWebhook(alice, '/alice', ['campaign.finished']);
    await addWebhook(bob, '/bob', ['campaign.finished']);
    await addWebhook(admin, '/admin', ['campaign.finished']);
    start();
    const { store, clock } = engine.app;
    const list = await createList(store, clock, { name: 'Few' });
    await importContacts(store, clock, Readable.from(['email\na@example.org\nb@example.org\n']), { listId: list.id });
    const campaign = await createCampaign(engine.app, { name: 'Tiny', from: 'news@example.com', subject: 'Hi', html: '<p>Hi</p>', lists: ['Few'] }, alice.id);
    await startCampaign({ store, clock, lifetimeMs: 3_600_000 }, campaign.id, { expand: true });
    engine.startWorker();
    await waitFor('the campaign to finish', async () => (await advanceCampaigns(store, clock)).length > 0 || (await findCampaign(store, campaign.id)).status === 'finished');
    const [delivery] = await waitFor('the owner to hear of it', () => (receiver.on('/alice').length ? receiver.on('/alice') : null));
    expect(verifySignature(own.secret, delivery!).valid).toBe(true);
    const payload = JSON.parse(delivery!.body) as { type: string; data: { type: string; messageId: string; detail: string } };
    expect(payload).toMatchObject({ type: 'campaign.finished', data: { type: 'campaign_finished', messageId: campaign.id, detail: 'Tiny: 2 sent' } });
    await waitFor('the admin to hear of it', () => receiver.on('/admin').length === 1);
    await sleep(300);
    expect(receiver.on('/bob')).toEqual([]);
  });

  it('refuses a loopback URL by default, naming the field, and accepts it once an admin allows private addresses', async () => {
    await setUp();
    for (const url of [receiver.url('/hook'), receiver.url('/hook').replace('127.0.0.1', 'localhost'), 'http://[::1]/hook', 'http://169.254.169.254/latest/meta-data']) {
      const refused = await api(alice, 'POST', '/webhooks', { url, events: ['message.sent'] });
      expect(refused, url).toMatchObject({ status: 400, body: { error: { code: 'invalid', field: 'url' } } });
      expect(refused.body.error?.message).toMatch(/loopback, link-local or private/);
    }
    expect(await api(alice, 'POST', '/webhooks', { url: 'ftp://example.com/', events: ['message.sent'] })).toMatchObject({ status: 400, body: { error: { field: 'url' } } });
    expect(await api(alice, 'POST', '/webhooks', { url: receiver.url('/hook'), events: ['message.sent', 'message.nonsense'] })).toMatchObject({
      status: 400,
      body: { error: { field: 'events[1]' } },
    });
    expect(await api(alice, 'POST', '/webhooks', { url: receiver.url('/hook'), events: [] })).toMatchObject({ status: 400, body: { error: { field: 'events' } } });
    expect((await api(alice, 'GET', '/webhooks')).body.webhooks).toEqual([]);

    await allowPrivate(true);
    expect((await api(alice, 'POST', '/webhooks', { url: receiver.url('/hook'), events: ['message.sent'] })).status).toBe(201);
  });

  it('keeps endpoints per user: the secret is shown once, another user gets 404, an admin sees all', async () => {
    await setUp();
    await allowPrivate(true);
    const created = await api(alice, 'POST', '/webhooks', { url: receiver.url('/alice'), events: ['message.sent', 'message.failed'] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ userId: alice.id, url: receiver.url('/alice'), events: ['message.sent', 'message.failed'], active: true });
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const id = created.body.id!;

    const mine = await api(alice, 'GET', '/webhooks');
    expect(mine.body.webhooks).toHaveLength(1);
    expect(mine.body.webhooks?.[0]?.secret).toBeUndefined();
    expect(JSON.stringify(mine.body)).not.toContain(created.body.secret!);
    expect((await api(bob, 'GET', '/webhooks')).body.webhooks).toEqual([]);
    expect((await api(admin, 'GET', '/webhooks')).body.webhooks?.map((w) => w.id)).toEqual([id]);

    expect((await api(bob, 'PATCH', `/webhooks/${id}`, { active: false })).status).toBe(404);
    expect((await api(bob, 'GET', `/webhooks/${id}/deliveries`)).status).toBe(404);
    expect((await api(bob, 'DELETE', `/webhooks/${id}`)).status).toBe(404);
    expect((await api(alice, 'PATCH', '/webhooks/whk_nonexistent', { active: false })).status).toBe(404);

    const changed = await api(alice, 'PATCH', `/webhooks/${id}`, { events: ['message.deferred'], active: false });
    expect(changed).toMatchObject({ status: 200, body: { id, events: ['message.deferred'], active: false } });
    expect((await api(admin, 'PATCH', `/webhooks/${id}`, { active: true })).body).toMatchObject({ active: true });
    expect(await api(alice, 'PATCH', `/webhooks/${id}`, { url: 'not a url' })).toMatchObject({ status: 400, body: { error: { field: 'url' } } });
    expect(await api(alice, 'GET', `/webhooks/${id}/deliveries`)).toMatchObject({ status: 200, body: { deliveries: [], nextCursor: null } });

    expect((await api(alice, 'DELETE', `/webhooks/${id}`)).status).toBe(204);
    expect((await api(alice, 'GET', `/webhooks/${id}/deliveries`)).status).toBe(404);
    expect((await api(alice, 'GET', '/webhooks')).body.webhooks).toEqual([]);
  });

  it('signs every delivery, and a sender\'s endpoint hears only of the sender\'s own messages', async () => {
    await setUp();
    await allowPrivate(true);
    const aliceHook = await addWebhook(alice, '/alice', ['message.sent']);
    const bobHook = await addWebhook(bob, '/bob', ['message.queued', 'message.sent']);
    const adminHook = await addWebhook(admin, '/admin', ['message.sent']);
    start();
    const mine = await send(alice, 1);
    const theirs = await send(bob, 2);
    engine.startWorker();
    await engine.waitForStatus([mine, theirs], ['sent']);
    await waitFor('every endpoint to hear of its events', () => receiver.on('/alice').length >= 1 && receiver.on('/bob').length >= 2 && receiver.on('/admin').length >= 2);
    await sleep(400); // nothing more arrives

    const bodies = (path: string) => receiver.on(path).map((r) => JSON.parse(r.body) as { id: string; type: string; createdAt: string; data: Record<string, unknown> });
    expect(bodies('/alice').map((b) => [b.type, b.data.messageId])).toEqual([['message.sent', mine]]);
    expect(bodies('/bob').map((b) => [b.type, b.data.messageId])).toEqual([
      ['message.queued', theirs],
      ['message.sent', theirs],
    ]);
    expect(bodies('/admin').map((b) => b.data.messageId).sort()).toEqual([mine, theirs].sort());

    const secrets: Record<string, string> = { '/alice': aliceHook.secret, '/bob': bobHook.secret, '/admin': adminHook.secret };
    for (const request of receiver.requests) {
      const { t, valid } = verifySignature(secrets[request.path]!, request);
      expect(valid, request.path).toBe(true);
      expect(Math.abs(t - Date.now() / 1000)).toBeLessThan(60);
      // Any other endpoint's secret does not verify it.
      for (const [path, other] of Object.entries(secrets)) if (path !== request.path) expect(verifySignature(other, request).valid).toBe(false);
      const body = JSON.parse(request.body) as { id: string; data: { id: string; type: string; at: string } };
      expect(request.headers['content-type']).toBe('application/json');
      expect(request.headers['postroom-delivery']).toBe(body.id);
      expect(body).toMatchObject({ createdAt: body.data.at });
    }
    const tampered = { ...receiver.on('/alice')[0]!, body: receiver.on('/alice')[0]!.body.replace('message.sent', 'message.failed') };
    expect(verifySignature(aliceHook.secret, tampered).valid).toBe(false);

    const log = await deliveries(alice, aliceHook.id);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ type: 'message.sent', status: 'delivered', attempts: 1, lastStatusCode: 200, lastError: null, nextAttemptAt: null });
    expect(log[0]!.payload).toEqual(JSON.parse(receiver.on('/alice')[0]!.body));
  });

  it('retries with backoff: an endpoint that fails twice (500) gets the event on the third attempt', async () => {
    await setUp();
    await allowPrivate(true);
    receiver.answer('/flaky', (n) => (n <= 2 ? 500 : 200));
    const hook = await addWebhook(alice, '/flaky', ['message.queued']);
    start({ backoffBaseMs: 200 });
    const id = await send(alice, 1);
    await waitFor('three attempts', () => receiver.on('/flaky').length >= 3);
    await waitFor('the delivery to be recorded', async () => (await deliveries(alice, hook.id))[0]?.status === 'delivered');
    await sleep(300);

    const attempts = receiver.on('/flaky');
    expect(attempts).toHaveLength(3);
    // The same delivery each time: same id, same bytes, each signed afresh.
    expect(new Set(attempts.map((a) => a.body)).size).toBe(1);
    expect(new Set(attempts.map((a) => a.headers['postroom-delivery'])).size).toBe(1);
    for (const a of attempts) expect(verifySignature(hook.secret, a).valid).toBe(true);
    expect(JSON.parse(attempts[2]!.body)).toMatchObject({ type: 'message.queued', data: { messageId: id, type: 'queued' } });
    // Backoff doubles: about 200 ms, then about 400 ms (±10% jitter).
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(170);
    expect(attempts[2]!.at - attempts[1]!.at).toBeGreaterThanOrEqual(350);

    const log = await deliveries(alice, hook.id);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ status: 'delivered', attempts: 3, lastStatusCode: 200, lastError: null, id: attempts[0]!.headers['postroom-delivery'] });
  });

  it('gives a delivery up as failed once its lifetime has passed', async () => {
    await setUp();
    await allowPrivate(true);
    receiver.answer('/down', () => 503);
    const hook = await addWebhook(alice, '/down', ['message.queued']);
    start({ backoffBaseMs: 100, lifetimeMs: 1000 });
    await send(alice, 1);
    const failed = await waitFor('the delivery to fail', async () => (await deliveries(alice, hook.id)).find((d) => d.status === 'failed'));
    const firstAt = Date.parse(failed.firstAttemptAt!);
    expect(Date.parse(failed.updatedAt) - firstAt).toBeLessThanOrEqual(1000);
    expect(failed).toMatchObject({ lastStatusCode: 503, nextAttemptAt: null });
    expect(failed.lastError).toMatch(/^HTTP 503/);
    // 100, 200, 400 ms apart; the next one (800 ms later) would pass the lifetime.
    expect(failed.attempts).toBeGreaterThanOrEqual(3);
    await sleep(400);
    expect(receiver.on('/down')).toHaveLength(failed.attempts);
  });

  it('checks the address again at delivery time: once private addresses are disallowed, nothing is sent', async () => {
    await setUp();
    await allowPrivate(true);
    const hook = await addWebhook(alice, '/later', ['message.queued']);
    await allowPrivate(false);
    start({ backoffBaseMs: 60_000 });
    await send(alice, 1);
    const refused = await waitFor('an attempt to be refused', async () => (await deliveries(alice, hook.id)).find((d) => d.attempts === 1 && d.lastError));
    expect(refused).toMatchObject({ status: 'pending', lastStatusCode: null });
    expect(refused.lastError).toMatch(/127\.0\.0\.1.*loopback, link-local or private/);
    expect(receiver.requests).toHaveLength(0);
  });

  it('does not replay events from before an endpoint existed, and an inactive endpoint receives nothing', async () => {
    await setUp();
    await allowPrivate(true);
    start();
    const before = await send(alice, 1);
    await sleep(300); // dispatched (to nobody) before the endpoint exists
    const hook = await addWebhook(alice, '/new', ['message.queued']);
    const paused = await addWebhook(alice, '/paused', ['message.queued']);
    expect((await api(alice, 'PATCH', `/webhooks/${paused.id}`, { active: false })).status).toBe(200);
    const after = await send(alice, 2);
    await waitFor('the new event', () => receiver.on('/new').length >= 1);
    await sleep(300);
    expect(receiver.on('/new').map((r) => (JSON.parse(r.body) as { data: { messageId: string } }).data.messageId)).toEqual([after]);
    expect(receiver.on('/new').map((r) => r.body).join()).not.toContain(before);
    expect(receiver.on('/paused')).toHaveLength(0);
    expect(hook.id).toBeTruthy();
  });
});
