import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, simpleMessage, smtpServer, type Engine } from '../helpers/engine.js';
import { startSink, type Sink } from '../helpers/smtp-sink.js';
import { testDatabaseKinds } from '../helpers/databases.js';
import { cancelMessage, retryMessage } from '../../src/spool/index.js';

describe.each(testDatabaseKinds())('faults on %s', (kind) => {
  let engine: Engine;
  let sink: Sink;
  afterEach(async () => {
    await engine?.close();
    await sink?.close();
  });

  async function setUp(script: Parameters<typeof startSink>[0], retry = {}): Promise<void> {
    sink = await startSink(script);
    engine = await createEngine(kind, { retry });
    await engine.addServer(smtpServer(sink.port, { name: 'relay' }));
  }

  it('451 then 250: deferred with backoff, then sent on the retry', async () => {
    await setUp({ script: { data: (_m, n) => (n.messages === 1 ? { code: 451, text: '4.3.0 Temporary local problem' } : undefined) } });
    const id = await engine.enqueue(simpleMessage(1));
    engine.startWorker();
    await engine.waitForStatus([id], ['sent']);
    const { recipients, events } = await engine.message(id);
    expect(events.map((e) => [e.type, e.code, e.enhanced])).toEqual([
      ['queued', null, null],
      ['deferred', 451, '4.3.0'],
      ['sent', 250, '2.0.0'],
    ]);
    const deferredAt = events[1]!.created_at;
    expect(events[2]!.created_at - deferredAt).toBeGreaterThanOrEqual(150); // first retry ≈ 200 ms here (1 minute by default)
    expect(recipients[0]).toMatchObject({ status: 'sent', attempts: 2, last_code: 250 });
    expect(sink.messages).toHaveLength(1);
  });

  it('550: that recipient fails with the answer kept; the other recipient is delivered', async () => {
    await setUp({ script: { rcpt: (to) => (to === 'gone@example.org' ? { code: 550, text: '5.1.1 <gone@example.org>: Recipient address rejected: User unknown' } : undefined) } });
    const id = await engine.enqueue(simpleMessage(1, { to: ['gone@example.org', 'here@example.org'] }));
    engine.startWorker();
    await engine.waitForStatus([id], ['failed']);
    const { recipients, events } = await engine.message(id);
    const gone = recipients.find((r) => r.address === 'gone@example.org')!;
    expect(gone).toMatchObject({ status: 'failed', attempts: 1, last_code: 550, last_enhanced: '5.1.1' });
    expect(gone.last_response).toBe('550 5.1.1 <gone@example.org>: Recipient address rejected: User unknown');
    expect(recipients.find((r) => r.address === 'here@example.org')).toMatchObject({ status: 'sent', attempts: 1 });
    expect(events.filter((e) => e.type === 'failed')).toHaveLength(1);
    expect(sink.messages.map((m) => m.to)).toEqual([['here@example.org']]);
  });

  it('a connection dropped in the middle of DATA: deferred, then sent', async () => {
    await setUp({ script: { dataStart: (n) => (n.dataDrops === 0 ? 'drop' : undefined) } });
    // Big enough that the client is still writing the body when the server goes away.
    const id = await engine.enqueue(simpleMessage(1, { text: 'x'.repeat(2_000_000) }));
    engine.startWorker();
    await engine.waitForStatus([id], ['sent']);
    const { recipients, events } = await engine.message(id);
    expect(sink.counters.dataDrops).toBe(1);
    expect(events.map((e) => e.type)).toEqual(['queued', 'deferred', 'sent']);
    expect(events[1]!.detail).toMatch(/^(data|session): /);
    expect(recipients[0]).toMatchObject({ status: 'sent', attempts: 2 });
    expect(sink.messages).toHaveLength(1);
    expect(sink.messages[0]!.raw.length).toBeGreaterThan(2_000_000);
  });

  it('a connection dropped after the data, before the answer: deferred, then sent', async () => {
    await setUp({ script: { data: (_m, n) => (n.messages === 1 ? 'drop' : undefined) } });
    const id = await engine.enqueue(simpleMessage(1));
    engine.startWorker();
    await engine.waitForStatus([id], ['sent']);
    const { recipients, events } = await engine.message(id);
    expect(events.map((e) => e.type)).toEqual(['queued', 'deferred', 'sent']);
    expect(recipients[0]).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('421: the server rests and the message is delivered later without spending an attempt', async () => {
    let mails = 0;
    await setUp({ script: { mail: () => (mails++ === 0 ? { code: 421, text: '4.7.0 Too many connections, slow down' } : undefined) } }, { serverBackoffMs: 400 });
    const ids = [await engine.enqueue(simpleMessage(1)), await engine.enqueue(simpleMessage(2))];
    engine.startWorker();
    await engine.waitForStatus(ids, ['sent']);
    for (const id of ids) {
      const { recipients, events } = await engine.message(id);
      expect(recipients[0]).toMatchObject({ status: 'sent', attempts: 1 });
      expect(events.map((e) => e.type)).toContain('sent');
      expect(events.map((e) => e.type)).not.toContain('deferred');
    }
    const histories = await Promise.all(ids.map(async (id) => (await engine.message(id)).events));
    const heldHistory = histories.find((events) => events.some((e) => e.type === 'held'));
    expect(heldHistory).toBeDefined();
    const held = heldHistory!.find((e) => e.type === 'held')!;
    expect(held.detail).toMatch(/server resting: .*421/);
    const sent = heldHistory!.find((e) => e.type === 'sent')!;
    // The rest lasts 400 ms from the 421; the held event is written a few ms after the 421 itself.
    expect(sent.created_at - held.created_at).toBeGreaterThanOrEqual(300);
    const server = await engine.app.store.db.selectFrom('servers').selectAll().executeTakeFirstOrThrow();
    expect(server).toMatchObject({ pause_count: 0, paused_until: null });
  });

  it('a message still refused when its lifetime ends fails as expired, keeping the last answer', async () => {
    await setUp({ script: { rcpt: () => ({ code: 452, text: '4.2.2 Mailbox full' }) } }, { firstDelayMs: 150, lifetimeMs: 1_000 });
    const id = await engine.enqueue(simpleMessage(1));
    engine.startWorker();
    await engine.waitForStatus([id], ['failed']);
    const { recipients, events } = await engine.message(id);
    expect(recipients[0]).toMatchObject({ status: 'failed', last_code: 452, last_enhanced: '4.2.2' });
    expect(events.at(-1)).toMatchObject({ type: 'expired' });
    expect(events.at(-1)!.detail).toMatch(/gave up after \d+ attempts: 452 4.2.2 Mailbox full/);
    expect(recipients[0]!.attempts).toBeGreaterThanOrEqual(2);
  });

  it('retry ("send now") of a failed message and cancel of a deferred one', async () => {
    let refuse = true;
    await setUp({ script: { rcpt: (to) => (refuse && to.startsWith('rcpt1@') ? { code: 550, text: '5.7.1 Relaying denied' } : to.startsWith('rcpt2@') ? { code: 451, text: '4.4.1 Later' } : undefined) } }, { firstDelayMs: 60_000 });
    const failing = await engine.enqueue(simpleMessage(1));
    const deferring = await engine.enqueue(simpleMessage(2));
    engine.startWorker();
    await engine.waitForStatus([failing], ['failed']);
    await engine.waitForStatus([deferring], ['deferred']);

    refuse = false;
    const retried = await retryMessage(engine.app.store, engine.app.clock, failing, 60_000);
    expect(retried).toMatchObject({ status: 'queued', recipients: 1 });
    await engine.waitForStatus([failing], ['sent']);
    expect((await engine.message(failing)).events.map((e) => e.type)).toEqual(['queued', 'failed', 'retried', 'sent']);

    const cancelled = await cancelMessage(engine.app.store, engine.app.clock, deferring);
    expect(cancelled).toMatchObject({ status: 'cancelled', recipients: 1 });
    await expect(cancelMessage(engine.app.store, engine.app.clock, deferring)).rejects.toThrow(/is cancelled; only queued, deferred or failed/);
    await expect(retryMessage(engine.app.store, engine.app.clock, failing, 60_000)).rejects.toThrow(/is sent/);
    expect(sink.messages.map((m) => m.subject)).toEqual(['Message 1']);
  });
});
