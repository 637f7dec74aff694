/**
 * Two built `postroom worker` processes on one PostgreSQL database share the spool: each
 * recipient is claimed by exactly one of them (FOR UPDATE SKIP LOCKED), so nothing is sent twice.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app/open-app.js';
import { createServer } from '../../src/servers/index.js';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../helpers/databases.js';
import { smtpServer } from '../helpers/engine.js';
import { startSink, type Sink } from '../helpers/smtp-sink.js';
import { enqueueMany, killAllPostroom, loggedErrors, openTestApp, postroomEnv, spawnPostroom, tally, workerSummary } from '../helpers/processes.js';

const MESSAGES = 2_000;

describe.skipIf(!testDatabaseKinds().includes('postgres'))('two `postroom worker` processes on one PostgreSQL database', () => {
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
    'split the work and deliver every message exactly once',
    async () => {
      // Slightly slow, so neither worker can drain the spool before the other one starts.
      sink = await startSink({ dataDelayMs: 2 });
      database = await createTestDatabase('postgres');
      app = await openTestApp(database);
      await createServer(app, smtpServer(sink.port));
      await enqueueMany(app, MESSAGES);
      const rows = await app.store.db.selectFrom('messages').select(['message_id_header']).execute();
      const expectedMessageIds = new Set(rows.map((r) => r.message_id_header));
      expect(expectedMessageIds.size).toBe(MESSAGES);

      const env = postroomEnv(database, { POSTROOM_MAX_IN_FLIGHT: '100' });
      const workers = [spawnPostroom(['--json', 'worker', '--exit-when-idle'], env), spawnPostroom(['--json', 'worker', '--exit-when-idle'], env)];
      const exits = await Promise.all(workers.map((w) => w.waitForExit(60_000)));
      exits.forEach((exit, i) => expect(exit, `worker ${i} failed; stderr: ${workers[i]!.stderr().slice(-2000)}`).toEqual({ code: 0, signal: null }));

      const errors = () => `errors the workers logged: ${tally(workers.flatMap(loggedErrors))}`;

      // Exactly once: 2,000 deliveries, 2,000 distinct Message-IDs, all of them ours.
      const received = sink.messages.map((m) => m.messageId);
      expect(received, errors()).toHaveLength(MESSAGES);
      const distinct = new Set(received);
      expect(distinct.size).toBe(MESSAGES);
      expect([...distinct].filter((id) => !expectedMessageIds.has(id!))).toEqual([]);

      const statuses = await app.store.db.selectFrom('messages').select(['status']).execute();
      expect(statuses).toHaveLength(MESSAGES);
      expect(statuses.filter((r) => r.status !== 'sent')).toEqual([]);
      const recipients = await app.store.db.selectFrom('recipients').select(['status', 'attempts']).execute();
      expect(recipients.filter((r) => r.status !== 'sent' || r.attempts !== 1)).toEqual([]);

      // Both took part, and between them each recipient was claimed and recorded once.
      const summaries = workers.map(workerSummary);
      console.log(`[pg-two-workers] ${summaries.map((s, i) => `worker ${i}: claimed ${s.claimed}, recorded ${s.recorded}`).join('; ')}`);
      for (const s of summaries) {
        expect(s.stopped).toBe(true);
        expect(s.recorded).toBeGreaterThan(0);
      }
      expect(summaries.reduce((n, s) => n + s.recorded, 0)).toBe(MESSAGES);
      expect(summaries.reduce((n, s) => n + s.claimed, 0)).toBe(MESSAGES);
      expect(workers.flatMap(loggedErrors), errors()).toEqual([]);
    },
    90_000,
  );
});
