/**
 * SIGTERM during a 2,000-message run: the worker stops claiming, the SMTP transactions under way
 * finish and are recorded, everything it had claimed but not begun sending goes back to the
 * queue with its lease released — so a second worker, started after the first has gone, takes
 * it at once (the lease is ten minutes: a row left leased would stall the test) — and in the end
 * every message is delivered exactly once, with no recipient left `sending` and no attempt spent
 * on the hand-over. A second SIGTERM exits at once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app/open-app.js';
import { GIVEN_BACK } from '../../src/delivery/deliver-attempt.js';
import { createServer } from '../../src/servers/index.js';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../helpers/databases.js';
import { smtpServer } from '../helpers/engine.js';
import { enqueueMany, killAllPostroom, loggedErrors, openTestApp, postroomEnv, spawnPostroom, tally, waitUntil, workerSummary } from '../helpers/processes.js';
import { startSink, type Sink } from '../helpers/smtp-sink.js';

const MESSAGES = 2_000;

describe.each(testDatabaseKinds())('graceful shutdown on %s', (kind) => {
  let sink: Sink | undefined;
  let database: TestDatabase | undefined;
  let app: App | undefined;
  afterEach(async () => {
    await killAllPostroom();
    await app?.close();
    await database?.drop();
    await sink?.close();
    app = database = sink = undefined;
  });

  async function setUp(dataDelayMs: number): Promise<NodeJS.ProcessEnv> {
    sink = await startSink({ dataDelayMs });
    database = await createTestDatabase(kind);
    app = await openTestApp(database);
    await createServer(app, smtpServer(sink.port, { maxConcurrent: 8 }));
    return postroomEnv(database, { POSTROOM_LEASE_MS: '600000', POSTROOM_SHUTDOWN_GRACE_MS: '20000' });
  }

  it('finishes what is being sent, gives back the rest at once, and loses nothing', async () => {
    const env = await setUp(20);
    await enqueueMany(app!, MESSAGES);
    const first = spawnPostroom(['--json', 'worker'], env);
    await waitUntil(() => sink!.messages.length >= 200, 60_000, () => `the first worker sent ${sink!.messages.length}; stderr: ${first.stderr().slice(-2000)}`);
    first.kill('SIGTERM');
    expect(await first.waitForExit(30_000), first.stderr().slice(-2000)).toEqual({ code: 0, signal: null });
    expect(workerSummary(first)).toMatchObject({ stopped: true, stillSending: 0 });

    // Everything the receiving server took is recorded as sent; nothing is left being sent.
    const db = app!.store.db;
    const byMessageId = new Map((await db.selectFrom('messages').select(['message_id_header', 'status']).execute()).map((m) => [m.message_id_header, m.status]));
    const deliveredSoFar = sink!.messages.map((m) => m.messageId!);
    expect(deliveredSoFar.filter((id) => byMessageId.get(id) !== 'sent')).toEqual([]);
    const left = await db.selectFrom('recipients').select(['status', 'lease_owner', 'next_attempt_at']).where('status', '!=', 'sent').execute();
    expect(left.length).toBe(MESSAGES - deliveredSoFar.length);
    expect(left.filter((r) => r.status === 'sending' || r.lease_owner !== null)).toEqual([]);
    expect(left.filter((r) => r.next_attempt_at > Date.now())).toEqual([]);
    const givenBack = await db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n')).where('type', '=', 'held').where('detail', '=', GIVEN_BACK).executeTakeFirstOrThrow();
    expect(Number(givenBack.n)).toBeGreaterThan(0);

    // A second worker takes the rest at once (not after the ten-minute lease) and delivers it.
    const second = spawnPostroom(['--json', 'worker', '--exit-when-idle'], env);
    expect(await second.waitForExit(60_000), second.stderr().slice(-2000)).toEqual({ code: 0, signal: null });
    const received = sink!.messages.map((m) => m.messageId);
    expect(received).toHaveLength(MESSAGES);
    expect(new Set(received).size).toBe(MESSAGES);
    const recipients = await db.selectFrom('recipients').select(['status', 'attempts']).execute();
    expect(recipients.filter((r) => r.status !== 'sent' || r.attempts !== 1)).toEqual([]);
    expect([first, second].flatMap(loggedErrors), tally([first, second].flatMap(loggedErrors))).toEqual([]);
  }, 120_000);

  it('exits at once on a second SIGTERM while a transaction is still under way', async () => {
    const env = await setUp(60_000);
    await enqueueMany(app!, 3);
    const worker = spawnPostroom(['--json', 'worker'], env);
    await waitUntil(() => sink!.counters.messages >= 1, 30_000, () => `nothing reached the receiving server; stderr: ${worker.stderr().slice(-2000)}`);
    worker.kill('SIGTERM');
    // Still waiting for the receiving server's answer to DATA (a minute away).
    await new Promise((r) => setTimeout(r, 500));
    expect(worker.exit()).toBeNull();
    worker.kill('SIGTERM');
    expect(await worker.waitForExit(10_000)).toEqual({ code: 130, signal: null });
  });
});
