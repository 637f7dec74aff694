/**
 * Campaigns end to end on each test database, through real SMTP servers on 127.0.0.1: a 5,000
 * contact campaign whose every message carries its own contact's values and nothing of anyone
 * else's; local-time delivery at 09:00 in three zones on an injected clock; pause and resume
 * sending each recipient exactly once; "retry failed" touching only the failed; and a
 * transactional message leaving within seconds while a big campaign is sending.
 */
import { Readable } from 'node:stream';
import PostalMime from 'postal-mime';
import { afterEach, describe, expect, it } from 'vitest';
import { testDatabaseKinds, type TestDatabaseKind } from '../helpers/databases.js';
import { createEngine, smtpServer, type Engine } from '../helpers/engine.js';
import { manualClock } from '../helpers/manual-clock.js';
import { startSink, type Sink } from '../helpers/smtp-sink.js';
import {
  advanceCampaigns,
  campaignProgress,
  cancelCampaign,
  createCampaign,
  createList,
  createTemplate,
  findCampaign,
  importContacts,
  pauseCampaign,
  resumeCampaign,
  retryFailedRecipients,
  startCampaign,
  type CampaignInput,
} from '../../src/campaigns/index.js';

async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.each(testDatabaseKinds())('campaigns on %s', (kind: TestDatabaseKind) => {
  let engine: Engine | undefined;
  const sinks: Sink[] = [];
  afterEach(async () => {
    await engine?.close();
    engine = undefined;
    for (const sink of sinks.splice(0)) await sink.close();
  });

  async function setup(contacts: number, options: { clock?: ReturnType<typeof manualClock>; sink?: Parameters<typeof startSink>[0]; csv?: string } = {}) {
    const e = (engine = await createEngine(kind, { clock: options.clock, worker: { maxInFlight: 200, claimBatch: 100 } }));
    const sink = await startSink(options.sink);
    sinks.push(sink);
    await e.addServer(smtpServer(sink.port, { name: 'bulk', maxConcurrent: 8 }));
    const list = await createList(e.app.store, e.app.clock, { name: 'Everyone' });
    const lines = options.csv ?? ['email,name,code,city', ...Array.from({ length: contacts }, (_, n) => `person${n}@example.org,Person ${n},CODE-${n}-X,City ${n % 7}`)].join('\n');
    await importContacts(e.app.store, e.app.clock, Readable.from([lines]), { listId: list.id });
    return { e, sink, list };
  }

  const campaignInput = (extra: Partial<CampaignInput> = {}): CampaignInput => ({
    name: 'November news',
    from: 'News <news@example.com>',
    subject: 'News for {{ contact.first_name }} ({{ contact.code }})',
    html: '<p>Hello {{ contact.name }}, your code is <b>{{ contact.code }}</b> in {{ contact.city | default: "your town" }}.</p>',
    lists: ['Everyone'],
    ...extra,
  });

  it('sends a 5,000-contact campaign in which every message carries only its own contact\'s values', { timeout: 180_000 }, async () => {
    const { e, sink } = await setup(5000);
    const campaign = await createCampaign(e.app, campaignInput(), null);
    const started = await startCampaign({ store: e.app.store, clock: e.app.clock, lifetimeMs: e.app.config.retry.lifetimeMs }, campaign.id, { expand: true });
    expect(started).toMatchObject({ status: 'scheduled', total: 5000, expanded: 1 });
    e.startWorker();
    await sink.waitForMessages(5000, 120_000);
    await waitFor('the campaign to finish', async () => (await advanceCampaigns(e.app.store, e.app.clock), (await findCampaign(e.app.store, campaign.id)).status === 'finished'));

    const seen = new Set<string>();
    for (const message of sink.messages) {
      const parsed = await PostalMime.parse(message.raw);
      const n = /^person(\d+)@example\.org$/.exec(message.to[0]!)![1]!;
      expect(message.to).toEqual([`person${n}@example.org`]);
      expect(parsed.to).toEqual([{ name: `Person ${n}`, address: `person${n}@example.org` }]);
      expect(parsed.subject).toBe(`News for Person (CODE-${n}-X)`);
      expect(parsed.html).toContain(`Hello Person ${n}, your code is <b>CODE-${n}-X</b> in City ${Number(n) % 7}.`);
      expect(parsed.text).toContain(`CODE-${n}-X`);
      // Nothing of anyone else's: the only codes in the message are this contact's.
      expect(message.raw.toString('latin1').match(/CODE-\d+-X/g)!.every((code) => code === `CODE-${n}-X`)).toBe(true);
      seen.add(n);
    }
    expect(seen.size).toBe(5000);
    const progress = await campaignProgress(e.app.store, await findCampaign(e.app.store, campaign.id), e.app.clock.now());
    expect(progress).toMatchObject({ status: 'finished', total: 5000, remaining: 0, recipients: { sent: 5000, failed: 0, queued: 0 } });
    // Its end is an event of its own (webhooks send it as campaign.finished; the UI shows it).
    const finished = await e.app.store.db.selectFrom('events').selectAll().where('type', '=', 'campaign_finished').execute();
    expect(finished).toEqual([expect.objectContaining({ message_id: campaign.id, detail: 'November news: 5000 sent' })]);
  });

  it('delivers at 09:00 local time in each contact\'s zone (contacts without one use the campaign\'s)', async () => {
    const clock = manualClock(Date.parse('2026-11-22T20:00:00Z'));
    const csv = ['email,name,time_zone', 'tokyo@example.org,T,Asia/Tokyo', 'madrid@example.org,M,Europe/Madrid', 'newyork@example.org,N,America/New_York', 'nozone@example.org,Z,'].join('\n');
    const { e, sink } = await setup(0, { clock, csv });
    const campaign = await createCampaign(e.app, campaignInput({ subject: 'Good morning', html: '<p>Morning</p>', schedule: { kind: 'local', localTime: '09:00', timeZone: 'America/Los_Angeles' } }), null);
    await startCampaign({ store: e.app.store, clock, lifetimeMs: e.app.config.retry.lifetimeMs }, campaign.id, { expand: true });
    e.startWorker();
    const arrived = () => sink.messages.map((m) => m.to[0]).sort();
    const step = async (to: string, expected: string[]) => {
      clock.advance(Date.parse(to) - clock.now());
      await waitFor(`${expected.join(', ')} at ${to}`, () => arrived().length === expected.length, 20_000);
      await new Promise((r) => setTimeout(r, 300)); // nothing else arrives early
      expect(arrived()).toEqual(expected);
    };
    await step('2026-11-22T23:59:00Z', []);
    expect((await findCampaign(e.app.store, campaign.id)).status).toBe('scheduled');
    await step('2026-11-23T00:00:00Z', ['tokyo@example.org']); // 09:00 in Tokyo
    await advanceCampaigns(e.app.store, clock);
    expect((await findCampaign(e.app.store, campaign.id)).status).toBe('sending');
    await step('2026-11-23T08:00:00Z', ['madrid@example.org', 'tokyo@example.org']);
    await step('2026-11-23T13:59:00Z', ['madrid@example.org', 'tokyo@example.org']);
    await step('2026-11-23T14:00:00Z', ['madrid@example.org', 'newyork@example.org', 'tokyo@example.org']);
    await step('2026-11-23T17:00:00Z', ['madrid@example.org', 'newyork@example.org', 'nozone@example.org', 'tokyo@example.org']); // 09:00 in Los Angeles
  });

  it('pauses and resumes, sending every recipient exactly once; cancel stops the rest', async () => {
    const { e, sink } = await setup(600, { sink: { dataDelayMs: 5 } });
    const ctx = { store: e.app.store, clock: e.app.clock, lifetimeMs: e.app.config.retry.lifetimeMs };
    const campaign = await createCampaign(e.app, campaignInput(), null);
    await startCampaign(ctx, campaign.id, { expand: true });
    e.startWorker();
    await waitFor('some messages', () => sink.messages.length >= 100);
    await pauseCampaign(e.app.store, e.app.clock, campaign.id);
    const atPause = (await campaignProgress(e.app.store, await findCampaign(e.app.store, campaign.id), Date.now())).recipients;
    expect(atPause.paused).toBeGreaterThan(0);
    // In-flight attempts finish; then nothing more goes out while paused.
    await waitFor('in-flight to finish', async () => (await campaignProgress(e.app.store, await findCampaign(e.app.store, campaign.id), Date.now())).recipients.sending === 0);
    const whilePaused = sink.messages.length;
    await new Promise((r) => setTimeout(r, 500));
    expect(sink.messages.length).toBe(whilePaused);
    expect(whilePaused).toBeLessThan(600);
    await expect(pauseCampaign(e.app.store, e.app.clock, campaign.id)).rejects.toThrow(/the campaign is paused/);

    await resumeCampaign(e.app.store, e.app.clock, campaign.id);
    await sink.waitForMessages(600, 60_000);
    await new Promise((r) => setTimeout(r, 300));
    const addresses = sink.messages.map((m) => m.to[0]);
    expect(addresses).toHaveLength(600);
    expect(new Set(addresses).size).toBe(600);

    const second = await createCampaign(e.app, campaignInput({ name: 'Second' }), null);
    await startCampaign(ctx, second.id, { expand: true });
    await pauseCampaign(e.app.store, e.app.clock, second.id);
    await cancelCampaign(e.app.store, e.app.clock, second.id);
    // Attempts the worker claimed before the pause finish (as sent); everything else is cancelled.
    await waitFor('in-flight to finish', async () => (await campaignProgress(e.app.store, await findCampaign(e.app.store, second.id), Date.now())).recipients.sending === 0);
    const cancelled = await campaignProgress(e.app.store, await findCampaign(e.app.store, second.id), Date.now());
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.recipients.cancelled + cancelled.recipients.sent).toBe(600);
    expect(cancelled.remaining).toBe(0);
  });

  it('retries the failed recipients only', async () => {
    let refusing = true;
    const { e, sink } = await setup(50, { sink: { script: { rcpt: (to) => (refusing && /person[0-9]*[05]@/.test(to) ? { code: 554, text: '5.7.1 Message rejected by policy' } : undefined) } } });
    const campaign = await createCampaign(e.app, campaignInput(), null);
    await startCampaign({ store: e.app.store, clock: e.app.clock, lifetimeMs: e.app.config.retry.lifetimeMs }, campaign.id, { expand: true });
    e.startWorker();
    await waitFor('the campaign to finish', async () => (await advanceCampaigns(e.app.store, e.app.clock), (await findCampaign(e.app.store, campaign.id)).status === 'finished'));
    const first = await campaignProgress(e.app.store, await findCampaign(e.app.store, campaign.id), Date.now());
    expect(first.recipients).toMatchObject({ sent: 40, failed: 10 });
    const delivered = new Set(sink.messages.map((m) => m.to[0]));

    refusing = false;
    const retried = await retryFailedRecipients(e.app.store, e.app.clock, campaign.id, e.app.config.retry.lifetimeMs);
    expect(retried.recipients).toBe(10);
    await sink.waitForMessages(50, 20_000);
    await new Promise((r) => setTimeout(r, 300));
    const again = sink.messages.slice(40).map((m) => m.to[0]!);
    expect(again).toHaveLength(10);
    expect(again.every((address) => /person[0-9]*[05]@/.test(address) && !delivered.has(address))).toBe(true);
  });

  it('lets a transactional message leave within seconds while a big campaign is sending', async () => {
    const { e, sink } = await setup(20_000, { sink: { dataDelayMs: 2 } });
    const campaign = await createCampaign(e.app, campaignInput(), null);
    await startCampaign({ store: e.app.store, clock: e.app.clock, lifetimeMs: e.app.config.retry.lifetimeMs }, campaign.id, { expand: true });
    e.startWorker();
    await waitFor('the campaign to be under way', () => sink.messages.length >= 500);
    const sentAt = Date.now();
    const id = await e.enqueue({ from: 'app@example.com', to: ['customer@example.net'], subject: 'Your password reset', text: 'Here is the link', server: 'bulk' });
    await waitFor('the transactional message', () => sink.messages.some((m) => m.to[0] === 'customer@example.net'), 10_000);
    const waited = Date.now() - sentAt;
    const campaignLeft = (await campaignProgress(e.app.store, await findCampaign(e.app.store, campaign.id), Date.now())).remaining;
    expect(campaignLeft, 'the campaign should still be sending when the transactional message leaves').toBeGreaterThan(1000);
    expect(waited).toBeLessThan(5000);
    await e.waitForStatus([id], ['sent'], 5000);
    await cancelCampaign(e.app.store, e.app.clock, campaign.id);
  });
});
