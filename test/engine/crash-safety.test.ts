/**
 * Crash safety of the built `postroom worker`: a worker SIGKILLed in the middle of a run loses
 * nothing, and a restarted worker finishes the job with only a bounded number of repeats.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app/open-app.js';
import { createServer } from '../../src/servers/index.js';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../helpers/databases.js';
import { smtpServer } from '../helpers/engine.js';
import { startSink, type Sink } from '../helpers/smtp-sink.js';
import { enqueueMany, killAllPostroom, loggedErrors, openTestApp, postroomEnv, spawnPostroom, tally, waitUntil } from '../helpers/processes.js';

const MESSAGES = 2_000;
const KILL_AFTER = 300;
const MAX_IN_FLIGHT = 100;

describe.each(testDatabaseKinds())('crash safety of `postroom worker` on %s', (kind) => {
  let sink: Sink | undefined;
  let database: TestDatabase | undefined;
  let app: App | undefined;

  afterEach(async () => {
    await killAllPostroom();
    await app?.close();
    await database?.drop();
    await sink?.close();
    app = undefined;
    database = undefined;
    sink = undefined;
  });

  it(
    'loses no message when the worker is SIGKILLed mid-run, and repeats at most the in-flight bound',
    async () => {
      // A slightly slow server, so the kill lands while deliveries are under way.
      const s = (sink = await startSink({ dataDelayMs: 2 }));
      database = await createTestDatabase(kind);
      const a = (app = await openTestApp(database));
      await createServer(a, smtpServer(s.port));
      expect(await enqueueMany(a, MESSAGES)).toHaveLength(MESSAGES);
      const rows = await a.store.db.selectFrom('messages').select(['message_id_header']).execute();
      const expectedMessageIds = new Set(rows.map((r) => r.message_id_header));
      expect(expectedMessageIds.size).toBe(MESSAGES);

      const env = postroomEnv(database, { POSTROOM_LEASE_MS: '2000', POSTROOM_MAX_IN_FLIGHT: String(MAX_IN_FLIGHT) });

      // First worker: runs until the sink has seen a few hundred messages, then dies hard.
      const first = spawnPostroom(['worker'], env);
      await waitUntil(
        () => s.messages.length >= KILL_AFTER || first.exit() !== null,
        30_000,
        () => `the first worker delivered ${s.messages.length} message(s); stderr: ${first.stderr().slice(-2000)}`,
      );
      expect(first.exit(), `the first worker exited on its own: ${first.stderr().slice(-2000)}`).toBeNull();
      first.kill('SIGKILL');
      const deliveredAtKill = s.messages.length;
      expect((await first.exited).signal).toBe('SIGKILL');
      // The kill landed mid-run: most of the work is still to do.
      expect(deliveredAtKill).toBeLessThan(MESSAGES);
      // Let DATA commands the sink was still answering (dataDelayMs) land, then mark the split.
      await new Promise((r) => setTimeout(r, 100));
      const deliveredByFirst = s.messages.length;

      // Second worker: takes over the dead worker's rows once their lease (2 s) ends, and exits when idle.
      const second = spawnPostroom(['worker', '--exit-when-idle'], env);
      const secondExit = await second.waitForExit(60_000);
      const secondErrors = () => `errors the restarted worker logged: ${tally(loggedErrors(second))}`;
      expect(secondExit, `the restarted worker failed; stderr: ${second.stderr().slice(-2000)}`).toEqual({ code: 0, signal: null });

      // Every message reached the sink at least once, and nothing else did.
      const copies = new Map<string, number>();
      for (const m of s.messages) copies.set(m.messageId ?? '(none)', (copies.get(m.messageId ?? '(none)') ?? 0) + 1);
      const missing = [...expectedMessageIds].filter((id) => !copies.has(id));
      expect(missing, `${missing.length} message(s) never reached the sink; ${secondErrors()}`).toEqual([]);
      expect([...copies.keys()].filter((id) => !expectedMessageIds.has(id))).toEqual([]);

      // Duplicates are the price of at-least-once delivery: a message the dead worker had handed
      // to the server but whose outcome it had not committed yet is still `sending` under its
      // lease, so the next worker sends it again once the lease ends. Only recipients the dead
      // worker held claimed at the moment of the kill can be repeated, and a worker never holds
      // more than POSTROOM_MAX_IN_FLIGHT (100) claimed at once (a recipient stays counted until
      // its outcome is committed). Every message here has one recipient, so there are at most
      // 100 duplicate deliveries; and as the restarted worker ran to completion, each of them is
      // a message the dead worker had sent, arriving exactly twice.
      const duplicates = s.messages.length - copies.size;
      console.log(
        `[crash-safety ${kind}] sink had ${deliveredAtKill} message(s) at the kill (${deliveredByFirst} once settled); ` +
          `${s.messages.length} deliveries in all for ${copies.size} distinct Message-IDs: ${duplicates} duplicate(s)`,
      );
      const firstSeenAt = new Map<string, number>();
      s.messages.forEach((m, i) => firstSeenAt.has(m.messageId!) || firstSeenAt.set(m.messageId!, i));
      const sentTwiceAfterKill = [...copies].filter(([id, n]) => n > 1 && firstSeenAt.get(id)! >= deliveredByFirst).map(([id]) => id);
      expect(duplicates, `${sentTwiceAfterKill.length} of them sent twice after the kill; ${secondErrors()}`).toBeLessThanOrEqual(MAX_IN_FLIGHT);
      expect(sentTwiceAfterKill, `messages the restarted worker sent twice; ${secondErrors()}`).toEqual([]);
      expect(Math.max(...copies.values())).toBeLessThanOrEqual(2);

      // The database agrees: every message and every recipient is sent, and no lease is left.
      const statuses = await a.store.db.selectFrom('messages').select(['status']).execute();
      expect(statuses).toHaveLength(MESSAGES);
      expect(countBy(statuses.map((r) => r.status)), secondErrors()).toEqual({ sent: MESSAGES });
      const recipients = await a.store.db.selectFrom('recipients').select(['status', 'lease_owner']).execute();
      expect(countBy(recipients.map((r) => r.status))).toEqual({ sent: MESSAGES });
      expect(recipients.filter((r) => r.lease_owner !== null)).toEqual([]);

      // And the restarted worker got there without trouble of its own.
      expect(loggedErrors(second), secondErrors()).toEqual([]);
    },
    120_000,
  );
});

function countBy(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}
