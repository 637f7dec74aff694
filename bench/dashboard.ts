/**
 * Dashboard benchmark: how long GET /stats takes to read when the last day holds many events.
 * Seeds M messages (one recipient each, owned by two users in turn) that were sent over the last
 * 24 hours through four servers — a `queued` and a `sent` (or deferred / failed) event each — plus
 * a backlog of queued recipients, then times the three reads behind the dashboard (outcomes per
 * hour, the queue, each server's activity) for an admin and for one sender.
 *
 *   npm run bench:dashboard -- --messages 200000
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:dashboard
 */
import { parseArgs } from 'node:util';
import type { Insertable } from 'kysely';
import { pino } from 'pino';
import { loadConfig } from '../src/config/index.js';
import { openApp } from '../src/app/open-app.js';
import { newId } from '../src/lib/ids.js';
import { readActivity, readQueue, readServerActivity } from '../src/spool/index.js';
import type { Database } from '../src/store/index.js';
import { createBenchDatabase } from './bench-database.js';

const { values: flags } = parseArgs({ options: { messages: { type: 'string', default: '200000' }, backlog: { type: 'string', default: '20000' }, runs: { type: 'string', default: '10' } } });
const total = Number(flags.messages);
const backlog = Number(flags.backlog);
const runs = Number(flags.runs);
const HOUR = 3_600_000;

async function main(): Promise<void> {
  const database = await createBenchDatabase();
  const config = loadConfig({ dataDir: database.dataDir, databaseUrl: database.databaseUrl }, { POSTROOM_SECRET_KEY: 'ab'.repeat(32) });
  const app = await openApp(config, { log: pino({ level: 'silent' }) });
  try {
    const now = Date.now();
    const servers = ['srv_a', 'srv_b', 'srv_c', 'srv_d'];
    const users = ['usr_one', 'usr_two'];
    console.log(`seeding ${total.toLocaleString()} sent messages over 24 h and ${backlog.toLocaleString()} queued on ${database.description}…`);
    const seedStart = Date.now();
    const batch = 500;
    for (let start = 0; start < total + backlog; start += batch) {
      const messages: Array<Insertable<Database['messages']>> = [];
      const recipients: Array<Insertable<Database['recipients']>> = [];
      const events: Array<Insertable<Database['events']>> = [];
      for (let n = start; n < Math.min(start + batch, total + backlog); n++) {
        const queued = n >= total;
        const at = queued ? now - 60_000 : now - Math.floor(((total - n) / total) * 24 * HOUR);
        const id = newId('msg', at);
        const server = servers[n % servers.length]!;
        const outcome = queued ? 'queued' : n % 50 === 0 ? 'failed' : n % 20 === 0 ? 'deferred' : 'sent';
        messages.push({ id, status: outcome as 'sent', from_address: 'a@example.com', from_header: 'a@example.com', reply_to: null, to_header: `r${n}@example.org`, subject: `Message ${n}`, requested_server_id: null, server_id: queued ? null : server, message_id_header: `<${id}@example.com>`, size: 2000, created_at: at, updated_at: at, expires_at: at + 3 * 24 * HOUR, user_id: users[n % 2]!, tags: '[]', metadata: '{}' });
        recipients.push({ id: newId('rcp', at), message_id: id, address: `r${n}@example.org`, kind: 'to', status: outcome as 'sent', attempts: queued ? 0 : 1, next_attempt_at: at, lease_owner: null, server_id: queued ? null : server, last_code: null, last_enhanced: null, last_response: null, updated_at: at, priority: 0 });
        events.push({ id: newId('evt', at), message_id: id, recipient: null, type: 'queued', server_id: null, attempt: null, code: null, enhanced: null, response: null, detail: null, created_at: at });
        if (!queued) events.push({ id: newId('evt', at + 500), message_id: id, recipient: `r${n}@example.org`, type: outcome as 'sent', server_id: server, attempt: 1, code: outcome === 'sent' ? 250 : outcome === 'deferred' ? 451 : 550, enhanced: null, response: 'ok', detail: null, created_at: at + 500 });
      }
      await app.store.db.transaction().execute(async (trx) => {
        await trx.insertInto('messages').values(messages).execute();
        await trx.insertInto('recipients').values(recipients).execute();
        await trx.insertInto('events').values(events).execute();
      });
    }
    console.log(`seeded in ${((Date.now() - seedStart) / 1000).toFixed(1)} s`);
    if (app.store.dialect === 'postgres') await app.store.db.executeQuery({ sql: 'analyze', parameters: [], query: { kind: 'RawNode' } } as never).catch(() => undefined);

    const time = async (label: string, read: () => Promise<unknown>) => {
      const took: number[] = [];
      for (let i = 0; i < runs; i++) {
        const started = performance.now();
        await read();
        took.push(performance.now() - started);
      }
      took.sort((a, b) => a - b);
      console.log(`${label.padEnd(44)} median ${took[Math.floor(took.length / 2)]!.toFixed(1)} ms   max ${took.at(-1)!.toFixed(1)} ms`);
    };
    await time('outcomes per hour, 24 h (admin)', () => readActivity(app.store, { now, hours: 24 }));
    await time('outcomes per hour, 24 h (one sender)', () => readActivity(app.store, { now, hours: 24, userId: 'usr_one' }));
    await time('queue (admin)', () => readQueue(app.store));
    await time('queue (one sender)', () => readQueue(app.store, 'usr_one'));
    await time('server activity, last hour and day', () => readServerActivity(app.store, now));
  } finally {
    await app.close();
    await database.drop();
  }
}

await main();
