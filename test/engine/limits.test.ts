import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, simpleMessage, smtpServer, type Engine } from '../helpers/engine.js';
import { startSink, type Sink } from '../helpers/smtp-sink.js';
import { testDatabaseKinds } from '../helpers/databases.js';
import { enqueueMessages } from '../../src/spool/index.js';
import { manualClock } from '../helpers/manual-clock.js';

/** Lets a worker poll a few times, to show that nothing more is sent. */
const settle = () => new Promise((r) => setTimeout(r, 300));

describe.each(testDatabaseKinds())('server limits on %s', (kind) => {
  let engine: Engine;
  const sinks: Sink[] = [];
  afterEach(async () => {
    await engine?.close();
    await Promise.all(sinks.splice(0).map((s) => s.close()));
  });

  async function enqueueMany(count: number, extra: Record<string, unknown> = {}): Promise<string[]> {
    const inputs = Array.from({ length: count }, (_, i) => simpleMessage(i, extra));
    return enqueueMessages({ store: engine.app.store, clock: engine.app.clock, lifetimeMs: 3_600_000 }, inputs);
  }

  it('"no more than 3 at a time": 50 messages, never a 4th concurrent session', async () => {
    const sink = await startSink({ dataDelayMs: 15 });
    sinks.push(sink);
    engine = await createEngine(kind);
    await engine.addServer(smtpServer(sink.port, { maxConcurrent: 3 }));
    const ids = await enqueueMany(50);
    const worker = engine.startWorker();
    let clientMax = 0;
    // The worker's own count of sessions open or opening, sampled while it works.
    const sampler = setInterval(() => (clientMax = Math.max(clientMax, ...Object.values(worker.sessionsInUse()))), 2);
    await engine.waitForStatus(ids, ['sent']);
    clearInterval(sampler);
    expect(sink.messages).toHaveLength(50);
    expect(sink.maxConcurrent()).toBe(3);
    expect(clientMax).toBeLessThanOrEqual(3);
  });

  it('holds the limit across two workers sharing the database', async () => {
    const sink = await startSink({ dataDelayMs: 10 });
    sinks.push(sink);
    engine = await createEngine(kind);
    await engine.addServer(smtpServer(sink.port, { maxConcurrent: 2 }));
    const ids = await enqueueMany(60);
    engine.startWorker();
    engine.startWorker();
    await engine.waitForStatus(ids, ['sent']);
    expect(new Set(sink.messages.map((m) => m.messageId)).size).toBe(60);
    expect(sink.maxConcurrent()).toBe(2);
  });

  it('holds the limit while sessions break and reconnect', async () => {
    const sink = await startSink({ dataDelayMs: 5, script: { data: (_m, n) => (n.messages % 7 === 0 ? 'drop' : undefined) } });
    sinks.push(sink);
    engine = await createEngine(kind, { retry: { firstDelayMs: 50 } });
    await engine.addServer(smtpServer(sink.port, { maxConcurrent: 2 }));
    const ids = await enqueueMany(40);
    engine.startWorker();
    await engine.waitForStatus(ids, ['sent']);
    expect(new Set(sink.messages.map((m) => m.messageId)).size).toBe(40);
    expect(sink.counters.sessions).toBeGreaterThan(2);
    expect(sink.maxConcurrent()).toBe(2);
  });

  it('a per-minute quota holds, and a server over quota does not hold up another', async () => {
    const clock = manualClock();
    const limited = await startSink();
    const free = await startSink();
    sinks.push(limited, free);
    engine = await createEngine(kind, { clock, worker: { leaseMs: 24 * 3_600_000 } });
    await engine.addServer(smtpServer(limited.port, { name: 'limited', fromFilter: 'example.com', perMinute: 10 }));
    await engine.addServer(smtpServer(free.port, { name: 'free', fromFilter: 'example.net' }));
    const limitedIds = await enqueueMany(25);
    const freeIds = await enqueueMany(30, { from: 'other@example.net' });
    engine.startWorker();

    // The free server's mail all goes out while the limited server stops at its quota.
    await engine.waitForStatus(freeIds, ['sent']);
    await limited.waitForMessages(10);
    await settle();
    expect(limited.messages).toHaveLength(10);

    clock.advance(59_000);
    await settle();
    expect(limited.messages).toHaveLength(10);
    clock.advance(1_000);
    await limited.waitForMessages(20);
    await settle();
    expect(limited.messages).toHaveLength(20);

    clock.advance(60_000);
    await engine.waitForStatus(limitedIds, ['sent']);
    expect(limited.messages).toHaveLength(25);
    // Waiting for quota spends no attempt.
    const attempts = await engine.app.store.db.selectFrom('recipients').select('attempts').where('message_id', 'in', limitedIds).execute();
    expect(attempts.every((a) => a.attempts === 1)).toBe(true);
  });

  it('a per-minute quota holds for the server as a whole with two workers', async () => {
    const clock = manualClock();
    const sink = await startSink();
    sinks.push(sink);
    engine = await createEngine(kind, { clock, worker: { leaseMs: 24 * 3_600_000 } });
    await engine.addServer(smtpServer(sink.port, { name: 'limited', perMinute: 12 }));
    const ids = await enqueueMany(30);
    engine.startWorker();
    engine.startWorker();
    await sink.waitForMessages(12);
    await settle();
    // Each worker alone would allow 12; together they still send 12 in the minute.
    expect(sink.messages).toHaveLength(12);
    clock.advance(60_000);
    await sink.waitForMessages(24);
    await settle();
    expect(sink.messages).toHaveLength(24);
    clock.advance(60_000);
    await engine.waitForStatus(ids, ['sent']);
    expect(sink.messages).toHaveLength(30);
  });
});
