/**
 * Retention: `prune` deletes the content and events of messages that finished before the
 * cutoff; recent messages and unfinished ones (queued, deferred) keep everything; every number the
 * dashboard, the deliverability report and a campaign's report show is the same before and after;
 * a pruned message still shows with its metadata, says its content was pruned, answers 410 for
 * its raw content, and cannot be sent again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startApi, type Api } from '../http/api-harness.js';
import { simpleMessage, smtpServer } from '../helpers/engine.js';
import { startSink, type Sink } from '../helpers/smtp-sink.js';
import { manualClock } from '../helpers/manual-clock.js';
import { testDatabaseKinds } from '../helpers/databases.js';
import { cancelMessage, countMessagesByStatus, getMessage, getRawMessage, messageView, readActivity, readQueue, readServerActivity, retryMessage } from '../../src/spool/index.js';
import { parseAge, pruneMessages } from '../../src/spool/prune-messages.js';
import { readDeliverability } from '../../src/feedback/deliverability.js';
import { campaignRecipients, campaignTimeline } from '../../src/campaigns/campaign-report.js';
import { campaignProgress } from '../../src/campaigns/campaign-progress.js';
import type { CampaignRow, Store } from '../../src/store/index.js';
import { Readable } from 'node:stream';
import { countSegment, createList, importContacts, type SegmentDefinition } from '../../src/campaigns/index.js';
import { loadAgentRules, recordEngagement } from '../../src/tracking/index.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const CAMPAIGN = 'cmp_prune_test';

describe.each(testDatabaseKinds())('prune on %s', (kind) => {
  let api: Api | undefined;
  let sink: Sink | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
    await sink?.close();
    sink = undefined;
  });

  /** A campaign as campaignTimeline and campaignProgress read it. */
  const campaign = { id: CAMPAIGN, name: 'Prune test', status: 'finished', total: 2, expanded: 1, created_at: T0, started_at: T0, finished_at: T0 + 10 * 60_000 } as unknown as CampaignRow;

  /** Every statistic the API and the web UI show, read as they read them. */
  async function statistics(store: Store, now: number, userId: string) {
    return {
      activityAtT0: await readActivity(store, { now: T0 + 2 * HOUR, hours: 24 }),
      activityAtT0ForUser: await readActivity(store, { now: T0 + 2 * HOUR, hours: 24, userId }),
      activityNow: await readActivity(store, { now, hours: 168 }),
      queue: await readQueue(store),
      servers: [...(await readServerActivity(store, now))],
      deliverability: await Promise.all((['campaign', 'server', 'domain', 'day'] as const).map((by) => readDeliverability(store, { by }))),
      deliverabilityForUser: await readDeliverability(store, { by: 'day', userId }),
      timeline: await campaignTimeline(store, campaign, now),
      campaignRecipients: await campaignRecipients(store, CAMPAIGN),
      progress: await campaignProgress(store, campaign, now),
      byStatus: await countMessagesByStatus(store),
      recipients: await store.db.selectFrom('recipients').selectAll().orderBy('id').execute(),
    };
  }

  async function countWhere(store: Store, table: 'events' | 'message_contents', ids: string[]): Promise<number> {
    const row = await store.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).where('message_id', 'in', ids).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  it('deletes old finished messages\' bodies and events and keeps the statistics', async () => {
    const clock = manualClock(T0);
    // A deferred message's next try lies beyond the test, so it stays deferred and old.
    api = await startApi(kind, { engine: { clock, retry: { firstDelayMs: 200 * DAY, maxDelayMs: 200 * DAY, lifetimeMs: 400 * DAY } } });
    const { engine } = api;
    const store = engine.app.store;
    sink = await startSink({
      script: {
        rcpt: (to) =>
          to.startsWith('gone@') ? { code: 550, text: '5.1.1 User unknown' } : to.startsWith('later@') ? { code: 451, text: '4.3.0 Try again later' } : undefined,
      },
    });
    await engine.addServer(smtpServer(sink.port));
    const post = async (body: Record<string, unknown>): Promise<string> => {
      const answer = await api!.request<{ id: string }>('POST', '/api/v1/messages', { key: api!.senderA.key, body });
      expect(answer.status, answer.text).toBe(202);
      return answer.json.id;
    };

    // At T0: three sent (two by sender A, one of them with the campaign), one failed, one
    // deferred, one cancelled; then, with the worker stopped, one left queued.
    const sentA = await post(simpleMessage(1));
    const sentCampaign = await post(simpleMessage(2));
    const sentPlain = await engine.enqueue(simpleMessage(3));
    const failed = await post(simpleMessage(4, { to: ['gone@example.org'] }));
    const deferred = await engine.enqueue(simpleMessage(5, { to: ['later@example.org'] }));
    const cancelled = await engine.enqueue(simpleMessage(6));
    await cancelMessage(store, clock, cancelled);
    const worker = engine.startWorker();
    await engine.waitForStatus([sentA, sentCampaign, sentPlain], ['sent']);
    await engine.waitForStatus([failed], ['failed']);
    await engine.waitForStatus([deferred], ['deferred']);
    await worker.stop();
    const queued = await engine.enqueue(simpleMessage(7));
    // Campaign mail is rendered from its campaign; these two stand for it in the reports only.
    await store.db.updateTable('messages').set({ campaign_id: CAMPAIGN }).where('id', 'in', [sentCampaign, failed]).execute();

    // 100 days later: one recent message, finished an hour before the prune.
    clock.advance(100 * DAY - HOUR);
    const recent = await post(simpleMessage(8));
    await cancelMessage(store, clock, recent);
    clock.advance(HOUR);

    const old = [sentA, sentCampaign, sentPlain, failed, cancelled];
    const kept = [deferred, queued, recent];
    const oldEvents = await countWhere(store, 'events', old);
    const keptEvents = await countWhere(store, 'events', kept);
    expect(await countWhere(store, 'message_contents', old)).toBe(5);
    const before = await statistics(store, clock.now(), api.senderA.user.id);
    // The numbers compared are not empty ones.
    expect(before.activityAtT0.totals).toEqual({ sent: 3, deferred: 1, failed: 1 });
    expect(before.activityAtT0ForUser.totals).toEqual({ sent: 2, deferred: 0, failed: 1 });
    expect(before.timeline.buckets.reduce((n, b) => n + b.sent + b.failed, 0)).toBe(2);
    expect(before.queue).toMatchObject({ queued: 1, deferred: 1 });

    // Small batches, so the work spans several transactions.
    const result = await pruneMessages(store, { olderThanMs: parseAge('--older-than', '90d'), now: clock.now(), batchSize: 2 });
    expect(result).toMatchObject({ cutoff: clock.now() - 90 * DAY, messages: old.length, events: oldEvents });
    expect(result.bytes).toBeGreaterThan(5 * 200);

    expect(await countWhere(store, 'message_contents', old)).toBe(0);
    expect(await countWhere(store, 'events', old)).toBe(0);
    expect(await countWhere(store, 'message_contents', kept)).toBe(3);
    expect(await countWhere(store, 'events', kept)).toBe(keptEvents);
    const marks = await store.db.selectFrom('messages').select(['id', 'pruned_at']).orderBy('id').execute();
    expect(marks.filter((m) => m.pruned_at !== null).map((m) => m.id).sort()).toEqual([...old].sort());

    expect(await statistics(store, clock.now(), api.senderA.user.id)).toEqual(before);

    // Pruning again finds nothing and changes nothing.
    expect(await pruneMessages(store, { olderThanMs: 90 * DAY, now: clock.now() })).toMatchObject({ messages: 0, events: 0, bytes: 0 });
    expect(await statistics(store, clock.now(), api.senderA.user.id)).toEqual(before);

    // A pruned message keeps its metadata and says its content is gone.
    const view = messageView(await getMessage(store, sentA));
    expect(view).toMatchObject({ id: sentA, status: 'sent', subject: 'Message 1', contentPrunedAt: new Date(clock.now()).toISOString(), events: [] });
    expect(view.recipients).toMatchObject([{ address: 'rcpt1@example.org', status: 'sent', attempts: 1 }]);
    await expect(getRawMessage(store, sentPlain)).rejects.toThrow(/^id: the content of message "msg_\w+" was pruned on /);
    const shown = await api.request<{ id: string; subject: string; contentPrunedAt: string | null; content: unknown }>('GET', `/api/v1/messages/${sentA}`, { key: api.senderA.key });
    expect(shown.status, shown.text).toBe(200);
    expect(shown.json).toMatchObject({ id: sentA, subject: 'Message 1', content: null, contentPrunedAt: new Date(clock.now()).toISOString() });
    const raw = await api.request<{ error: { code: string; message: string } }>('GET', `/api/v1/messages/${sentA}/raw`, { key: api.senderA.key });
    expect(raw.status).toBe(410);
    expect(raw.json.error).toMatchObject({ code: 'gone', message: expect.stringMatching(/was pruned on/) });
    const kept1 = await api.request<{ content: { text: string } | null; contentPrunedAt: string | null }>('GET', `/api/v1/messages/${recent}`, { key: api.senderA.key });
    expect(kept1.json).toMatchObject({ contentPrunedAt: null, content: { text: expect.stringContaining('Hello 8') } });

    // Nothing is left to send it with.
    await expect(retryMessage(store, clock, failed, 60_000)).rejects.toThrow(/cannot be sent again: its content was pruned/);
  });

  it('keeps segments on activity the same: a pruned message\'s recipients and engagements stand for its events', async () => {
    const clock = manualClock(T0);
    api = await startApi(kind, { engine: { clock } });
    const { engine } = api;
    const store = engine.app.store;
    sink = await startSink();
    await engine.addServer(smtpServer(sink.port));
    const list = await createList(store, clock, { name: 'Readers' });
    await importContacts(store, clock, Readable.from(['email,name\nann@example.org,Ann\nbob@example.org,Bob\n']), { listId: list.id });
    const contacts = new Map((await store.db.selectFrom('contacts').select(['id', 'email']).execute()).map((c) => [c.email, c.id]));
    const toAnn = await engine.enqueue(simpleMessage(1, { to: ['ann@example.org'], html: '<p>Hello</p>' }));
    const toBob = await engine.enqueue(simpleMessage(2, { to: ['bob@example.org'] }));
    const worker = engine.startWorker();
    await engine.waitForStatus([toAnn, toBob], ['sent']);
    await worker.stop();
    // Campaign mail to each contact (rendered from a campaign in real life; marked so here).
    for (const [id, email] of [[toAnn, 'ann@example.org'], [toBob, 'bob@example.org']] as const) {
      await store.db.updateTable('messages').set({ campaign_id: CAMPAIGN, contact_id: contacts.get(email)! }).where('id', '=', id).execute();
    }
    // Ann opens it and clicks an hour later, as a person does; a privacy proxy fetches Bob's pixel.
    clock.advance(HOUR);
    const chrome = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
    const ctx = { store, clock, rules: loadAgentRules(null) };
    await recordEngagement(ctx, { kind: 'open', messageId: toAnn, method: 'GET', userAgent: chrome, ip: '192.0.2.7' });
    await recordEngagement(ctx, { kind: 'click', messageId: toAnn, url: 'https://shop.example/', method: 'GET', userAgent: chrome, ip: '192.0.2.7' });
    await recordEngagement(ctx, { kind: 'open', messageId: toBob, method: 'GET', userAgent: 'Mozilla/5.0', ip: '17.58.0.1' });
    clock.advance(100 * DAY);

    const activity = (a: 'received' | 'opened' | 'clicked', op: 'has' | 'has_not', withinDays: number): SegmentDefinition =>
      ({ match: 'all', conditions: [{ activity: a, op, withinDays, campaign: CAMPAIGN }] }) as SegmentDefinition;
    const segments = [activity('received', 'has', 120), activity('opened', 'has', 120), activity('clicked', 'has', 120), activity('opened', 'has_not', 120), activity('received', 'has', 30)];
    const counts = () => Promise.all(segments.map((d) => countSegment(store, d, clock.now())));
    const before = await counts();
    expect(before).toEqual([2, 1, 1, 1, 0]);
    const pruned = await pruneMessages(store, { olderThanMs: 90 * DAY, now: clock.now() });
    expect(pruned.messages).toBe(2);
    expect(await countWhere(store, 'events', [toAnn, toBob])).toBe(0);
    expect(await counts()).toEqual(before);
  });

  it('reads ages in days or hours, at least a day, and names the flag otherwise', () => {
    expect(parseAge('--older-than', '90d')).toBe(90 * DAY);
    expect(parseAge('--older-than', '36h')).toBe(36 * HOUR);
    expect(() => parseAge('--older-than', '90')).toThrow(/^--older-than: "90" is not an age: write days or hours, like 90d or 36h$/);
    expect(() => parseAge('--older-than', '2w')).toThrow(/^--older-than: /);
    expect(() => parseAge('--older-than', '12h')).toThrow(/^--older-than: must be at least 1d/);
  });
});
