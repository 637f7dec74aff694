/**
 * Deliverability over the API and the guardrail, on each test database: a campaign through a
 * real local SMTP server that refuses some recipients with 5xx; the metrics per campaign,
 * server, domain and day; a sender sees only their own; the guardrail pauses a campaign past 5 %
 * bounces and says why, and a resumed campaign is not paused again at once. The suppression API
 * is for admins and names the field at fault.
 */
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { testDatabaseKinds, type TestDatabaseKind } from '../helpers/databases.js';
import { smtpServer } from '../helpers/engine.js';
import { startSink, type Sink } from '../helpers/smtp-sink.js';
import { startApi, type Api, type ErrorBody } from '../http/api-harness.js';
import { advanceCampaigns, createCampaign, createList, findCampaign, importContacts, resumeCampaign, startCampaign } from '../../src/campaigns/index.js';
import { checkGuardrails } from '../../src/feedback/guardrail.js';
import type { DeliverabilityRow } from '../../src/feedback/deliverability.js';

async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.each(testDatabaseKinds())('deliverability on %s', (kind: TestDatabaseKind) => {
  let api: Api | undefined;
  const sinks: Sink[] = [];
  afterEach(async () => {
    await api?.close();
    api = undefined;
    for (const s of sinks.splice(0)) await s.close();
  });

  /** 200 contacts; every tenth address (gone…) is unknown at the receiving server. */
  async function setup(options: { slow?: boolean } = {}) {
    const a = (api = await startApi(kind, { engine: { worker: { claimBatch: 20, maxInFlight: 40 } } }));
    const sink = await startSink({ dataDelayMs: options.slow ? 20 : 0, script: { rcpt: (to) => (to.startsWith('gone') ? { code: 550, text: '5.1.1 User unknown' } : undefined) } });
    sinks.push(sink);
    await a.engine.addServer(smtpServer(sink.port, { name: 'relay', maxConcurrent: 2 }));
    const list = await createList(a.engine.app.store, a.engine.app.clock, { name: 'All' });
    const csv = ['email', ...Array.from({ length: 200 }, (_, n) => (n % 10 === 0 ? `gone${n}@example.net` : `person${n}@example.org`))].join('\n');
    await importContacts(a.engine.app.store, a.engine.app.clock, Readable.from([csv]), { listId: list.id });
    return { a, sink };
  }

  const campaign = async (a: Api, userId: string | null) => {
    const made = await createCampaign(a.engine.app, { name: 'Winter', from: 'news@example.com', subject: 'Hi', html: '<p>Hi</p>', lists: ['All'] }, userId);
    await startCampaign({ store: a.engine.app.store, clock: a.engine.app.clock, lifetimeMs: a.engine.app.config.retry.lifetimeMs }, made.id, { expand: true });
    return made.id;
  };

  it('reports delivered and bounce rates per campaign, server, domain and day; a sender sees only their own', async () => {
    const { a } = await setup();
    const id = await campaign(a, a.senderA.user.id);
    a.engine.startWorker();
    await waitFor('the campaign to finish', async () => (await advanceCampaigns(a.engine.app.store, a.engine.app.clock), (await findCampaign(a.engine.app.store, id)).status === 'finished'));

    const byCampaign = await a.request<{ rows: DeliverabilityRow[] }>('GET', `/api/v1/deliverability?by=campaign`, { key: a.senderA.key });
    expect(byCampaign.status).toBe(200);
    expect(byCampaign.json.rows).toEqual([
      expect.objectContaining({ key: id, attempted: 200, delivered: 180, bounced: 20, hardBounced: 20, softBounced: 0, complained: 0, opened: 0, rates: expect.objectContaining({ deliveryRate: 0.9, bounceRate: 0.1, hardBounceRate: 0.1, complaintRate: 0 }) }),
    ]);
    const byDomain = await a.request<{ rows: DeliverabilityRow[] }>('GET', '/api/v1/deliverability?by=domain', { key: a.admin.key });
    expect(byDomain.json.rows.map((r) => [r.key, r.attempted, r.bounced])).toEqual([
      ['example.net', 20, 20],
      ['example.org', 180, 0],
    ]);
    const byServer = await a.request<{ rows: DeliverabilityRow[] }>('GET', '/api/v1/deliverability?by=server', { key: a.admin.key });
    expect(byServer.json.rows).toHaveLength(1);
    expect(byServer.json.rows[0]).toMatchObject({ attempted: 200, delivered: 180 });
    const byDay = await a.request<{ rows: DeliverabilityRow[] }>('GET', '/api/v1/deliverability?by=day', { key: a.admin.key });
    expect(byDay.json.rows).toEqual([expect.objectContaining({ key: new Date().toISOString().slice(0, 10), attempted: 200 })]);
    // Sender B sent nothing: none of A's numbers.
    expect((await a.request<{ rows: unknown[] }>('GET', '/api/v1/deliverability?by=campaign', { key: a.senderB.key })).json.rows).toEqual([]);
    const bad = await a.request<ErrorBody>('GET', '/api/v1/deliverability?by=day&since=yesterday', { key: a.admin.key });
    expect(bad.status).toBe(400);
    expect(bad.json.error.field).toBe('since');
  });

  it('the guardrail pauses a campaign whose bounce rate passes 5 %, and says why; resumed, it goes on', async () => {
    const { a, sink } = await setup({ slow: true });
    const id = await campaign(a, null);
    a.engine.startWorker();
    const store = a.engine.app.store;
    await waitFor('100 answers', async () => {
      await advanceCampaigns(store, a.engine.app.clock);
      const row = await store.db.selectFrom('recipients').select((eb) => eb.fn.countAll<number>().as('n')).where('status', 'in', ['sent', 'failed']).executeTakeFirstOrThrow();
      return Number(row.n) >= 100;
    });
    expect(await checkGuardrails(a.engine.app)).toEqual([id]);
    const paused = await findCampaign(store, id);
    expect(paused.status).toBe('paused');
    expect(paused.pause_reason).toMatch(/^Paused by the guardrail: bounce rate 1\d\.\d% is above 5\.0% \(\d+ answered\)$/);
    const event = await store.db.selectFrom('events').selectAll().where('type', '=', 'campaign_paused').executeTakeFirstOrThrow();
    expect(event).toMatchObject({ message_id: id, detail: expect.stringContaining('Winter: paused by the guardrail: bounce rate') });
    // Nothing more is claimed: only what a worker held when it paused still goes out.
    const atPause = sink.messages.length;
    const inFlight = await store.db.selectFrom('recipients').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'sending').executeTakeFirstOrThrow();
    await waitFor('the attempts in flight to end', async () => !(await store.db.selectFrom('recipients').select('id').where('status', '=', 'sending').executeTakeFirst()));
    expect(sink.messages.length - atPause).toBeLessThanOrEqual(Number(inFlight.n));
    expect(await store.db.selectFrom('recipients').select('id').where('status', '=', 'queued').executeTakeFirst()).toBeUndefined();

    // The user looked and chose to go on: the guardrail leaves it alone from then on.
    await resumeCampaign(store, a.engine.app.clock, id);
    expect((await findCampaign(store, id)).pause_reason).toBeNull();
    await waitFor('the campaign to finish', async () => {
      expect(await checkGuardrails(a.engine.app)).toEqual([]);
      await advanceCampaigns(store, a.engine.app.clock);
      return (await findCampaign(store, id)).status === 'finished';
    }, 60_000);
  });

  it('the suppression API: admins add, list, remove; senders may not; errors name the field', async () => {
    const { a } = await setup();
    const added = await a.request('POST', '/api/v1/suppressions', { key: a.admin.key, body: { address: 'Someone@Example.org', detail: 'asked by phone' } });
    expect(added.status).toBe(201);
    expect(added.json).toMatchObject({ address: 'someone@example.org', scope: 'global', reason: 'manual', detail: 'asked by phone', expiresAt: null });
    const listScoped = await a.request('POST', '/api/v1/suppressions', { key: a.admin.key, body: { address: 'b@example.org', list: 'All', reason: 'unsubscribe' } });
    expect(listScoped.json).toMatchObject({ scope: 'list', reason: 'unsubscribe' });
    const bad = await a.request<ErrorBody>('POST', '/api/v1/suppressions', { key: a.admin.key, body: { address: 'nope' } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.field).toBe('address');
    const badList = await a.request<ErrorBody>('POST', '/api/v1/suppressions', { key: a.admin.key, body: { address: 'c@example.org', list: 'Nope' } });
    expect(badList.json.error.field).toBe('list');
    expect((await a.request('GET', '/api/v1/suppressions', { key: a.senderA.key })).status).toBe(403);
    const listed = await a.request<{ suppressions: Array<{ address: string }> }>('GET', '/api/v1/suppressions?q=someone', { key: a.admin.key });
    expect(listed.json.suppressions.map((s) => s.address)).toEqual(['someone@example.org']);
    const imported = await a.request<{ rows: number; added: number }>('POST', '/api/v1/suppressions/import', { key: a.admin.key, body: 'email,reason\nx@example.org,hard-bounce\n', headers: { 'content-type': 'text/csv' } });
    expect(imported.json).toMatchObject({ rows: 1, added: 1 });
    const csv = await a.request('GET', '/api/v1/suppressions/export', { key: a.admin.key });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(csv.text.split('\r\n').filter(Boolean)).toHaveLength(4);
    expect((await a.request('DELETE', '/api/v1/suppressions/someone@example.org', { key: a.admin.key })).status).toBe(200);
    expect((await a.request<ErrorBody>('DELETE', '/api/v1/suppressions/someone@example.org', { key: a.admin.key })).json.error.field).toBe('address');
  });
});
