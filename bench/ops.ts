/**
 * Operations benchmark: what running Postroom costs on a spool with history. It fills a database
 * with N finished messages (default 200,000; half finished 100 days ago, half an hour ago) and a
 * queue of Q due ones, then times:
 *
 *   - a /metrics scrape (the database's gauges: messages by status, the queue, servers, feedback);
 *   - `postroom backup`'s online copy (SQLite; a reader in WAL mode, so the writers of a running
 *     Postroom go on meanwhile — test/cli/backup.test.ts shows it with a child sending);
 *   - `postroom prune --older-than 90d` of the old half, in its batches of 1,000.
 *
 *   npm run bench:ops                      SQLite in a temp directory
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:ops   (no backup: pg_dump's job)
 *   node dist/bench/ops.js --messages 1000000 --queue 100000
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { openApp } from '../src/app/open-app.js';
import { loadConfig } from '../src/config/index.js';
import { createMetrics } from '../src/ops/metrics.js';
import { enqueueMessages } from '../src/spool/index.js';
import { pruneMessages } from '../src/spool/prune-messages.js';
import { backupSqlite } from '../src/store/backup.js';
import { createBenchDatabase } from './bench-database.js';

const { values: flags } = parseArgs({ options: { messages: { type: 'string', default: '200000' }, queue: { type: 'string', default: '20000' } } });
const total = Number(flags.messages);
const queued = Number(flags.queue);
const DAY = 86_400_000;
const text = 'A line of an ordinary transactional message, about as long as most.\n'.repeat(24);

async function main(): Promise<void> {
  const database = await createBenchDatabase();
  const config = loadConfig({ dataDir: database.dataDir, databaseUrl: database.databaseUrl }, { POSTROOM_SECRET_KEY: 'cd'.repeat(32) });
  const app = await openApp(config, { log: pino({ level: 'silent' }) });
  try {
    const ctx = { store: app.store, clock: app.clock, lifetimeMs: config.retry.lifetimeMs };
    const started = performance.now();
    for (let at = 0; at < total + queued; at += 1000) {
      const inputs = Array.from({ length: Math.min(1000, total + queued - at) }, (_, i) => ({ from: 'shop@example.com', to: [`customer${at + i}@example.org`], subject: `Order ${at + i}`, text }));
      await enqueueMessages(ctx, inputs);
    }
    // History: the first N are finished (half of them 100 days ago), the last Q still due.
    const ids = (await app.store.db.selectFrom('messages').select('id').orderBy('id').execute()).map((r) => r.id);
    const now = Date.now();
    const finish = async (slice: string[], at: number): Promise<void> => {
      for (let i = 0; i < slice.length; i += 5000) {
        const part = slice.slice(i, i + 5000);
        await app.store.db.updateTable('recipients').set({ status: 'sent', attempts: 1, updated_at: at, lease_owner: null }).where('message_id', 'in', part).execute();
        await app.store.db.updateTable('messages').set({ status: 'sent', updated_at: at }).where('id', 'in', part).execute();
      }
    };
    await finish(ids.slice(0, total / 2), now - 100 * DAY);
    await finish(ids.slice(total / 2, total), now - 3_600_000);
    console.log(`spool on ${database.description}: ${total} finished messages and ${queued} due, filled in ${((performance.now() - started) / 1000).toFixed(1)} s`);

    const metrics = createMetrics({ store: app.store, clock: app.clock, log: app.log, config }, { databaseTimeoutMs: 60_000 });
    const scrapes: number[] = [];
    let lines = 0;
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      lines = (await metrics.render()).split('\n').length;
      scrapes.push(performance.now() - t);
    }
    metrics.close();
    scrapes.sort((a, b) => a - b);
    console.log(`/metrics scrape: median ${scrapes[2]!.toFixed(0)} ms, slowest ${scrapes[4]!.toFixed(0)} ms of 5 (${lines} lines)`);

    if (app.store.dialect === 'sqlite' && app.store.file) {
      const target = path.join(database.dataDir, 'backup.db');
      const t = performance.now();
      const backup = await backupSqlite(app.store.file, target);
      const seconds = (performance.now() - t) / 1000;
      const mb = statSync(target).size / 1e6;
      console.log(`backup: ${mb.toFixed(0)} MB, ${backup.messages} messages in ${seconds.toFixed(2)} s (${(mb / seconds).toFixed(0)} MB/s), checked and fsynced`);
    }

    const t = performance.now();
    const pruned = await pruneMessages(app.store, { olderThanMs: 90 * DAY, now: Date.now() });
    const seconds = (performance.now() - t) / 1000;
    console.log(`prune --older-than 90d: ${pruned.messages} messages, ${pruned.events} events, ~${(pruned.bytes / 1e6).toFixed(0)} MB in ${seconds.toFixed(1)} s (${Math.round(pruned.messages / seconds)} messages/s)`);
  } finally {
    await app.close();
    await database.drop();
  }
}

await main();
