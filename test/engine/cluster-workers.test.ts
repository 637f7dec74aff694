/**
 * Limits held by the cluster: two `postroom worker` processes on one PostgreSQL database share a
 * server with "no more than 3 at a time" and "60 a minute". Session slots and quota windows live
 * in the database, so the receiving server never sees a fourth session, and the minute's quota
 * is spent once between the two workers, not once each.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app/open-app.js';
import { createServer } from '../../src/servers/index.js';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../helpers/databases.js';
import { smtpServer } from '../helpers/engine.js';
import { startSink, type Sink } from '../helpers/smtp-sink.js';
import { enqueueMany, killAllPostroom, openTestApp, postroomEnv, spawnPostroom, waitUntil } from '../helpers/processes.js';

const kinds = testDatabaseKinds().filter((k) => k === 'postgres');

describe.skipIf(kinds.length === 0)('two `postroom worker` processes on one PostgreSQL', () => {
  let sink: Sink | undefined;
  let database: TestDatabase | undefined;
  let app: App | undefined;

  afterEach(async () => {
    await killAllPostroom();
    await app?.close();
    await database?.drop();
    await sink?.close();
  });

  it('"no more than 3 at a time" and "40 an hour" hold for the server as a whole', { timeout: 120_000 }, async () => {
    // Slow answers, so both workers want more sessions than the server allows.
    const s = (sink = await startSink({ dataDelayMs: 40 }));
    database = await createTestDatabase('postgres');
    const a = (app = await openTestApp(database));
    await createServer(a, { ...smtpServer(s.port, { name: 'shared', maxConcurrent: 3 }), perHour: 40 });
    await enqueueMany(a, 100);

    const hour = () => Math.floor(Date.now() / 3_600_000);
    const startedIn = hour();
    const env = postroomEnv(database);
    const workers = [spawnPostroom(['worker'], env), spawnPostroom(['worker'], env)];
    await waitUntil(() => s.messages.length >= 40 || workers.some((w) => w.exit() !== null), 60_000, () => `the sink has ${s.messages.length}`);
    // Long enough for either worker to send more, were it counting on its own.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(workers.map((w) => w.exit())).toEqual([null, null]);

    expect(s.maxConcurrent()).toBeLessThanOrEqual(3);
    expect(s.maxConcurrent()).toBeGreaterThanOrEqual(2);
    // The hour's quota is spent once between the two workers (twice only if the clock's hour turned meanwhile).
    expect(s.messages.length).toBe(hour() === startedIn ? 40 : s.messages.length);
    expect(s.messages.length).toBeLessThanOrEqual(80);
    const held = await a.store.db.selectFrom('recipients').select('status').where('status', '=', 'sent').execute();
    expect(held.length).toBe(s.messages.length);
  });
});
