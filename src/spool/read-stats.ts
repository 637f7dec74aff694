/**
 * What the dashboard shows: outcomes over recent hours, the queue, and each server's recent
 * activity, read from the event log (plus event_counts, what `postroom prune` kept of pruned
 * messages' events) and the recipients table.
 *
 * Event ids sort by creation time (`evt_` + base-36 milliseconds), so "events since T" is a range
 * on the primary key rather than a scan; the queue counts use the partial `recipients_due` index.
 */
import { sql } from 'kysely';
import type { Store } from '../store/index.js';

export interface OutcomeCounts {
  sent: number;
  deferred: number;
  failed: number;
}

export interface ActivityOptions {
  /** Only this user's messages. */
  userId?: string | undefined;
  now: number;
  hours: number;
}

const HOUR_MS = 3_600_000;
const OUTCOME_TYPES = ['sent', 'deferred', 'failed', 'expired'] as const;

/** The smallest event id that could have been made at `time`: a bound on the primary key. */
export const eventIdAt = (time: number): string => `evt_${Math.max(0, time).toString(36).padStart(9, '0')}`;

const zero = (): OutcomeCounts => ({ sent: 0, deferred: 0, failed: 0 });

function add(counts: OutcomeCounts, type: string, n: number): void {
  if (type === 'sent') counts.sent += n;
  else if (type === 'deferred') counts.deferred += n;
  else counts.failed += n; // failed and expired: both are a final failure
}

/** Outcomes per hour for the last `hours` hours (the last bucket is the current, partial hour). */
export async function readActivity(store: Store, options: ActivityOptions) {
  const end = Math.floor(options.now / HOUR_MS) * HOUR_MS + HOUR_MS;
  const start = end - options.hours * HOUR_MS;
  // A literal, not a parameter: PostgreSQL must see the same expression in SELECT and GROUP BY.
  const hour = sql<number>`events.created_at / ${sql.lit(HOUR_MS)}`;
  let query = store.db
    .selectFrom('events')
    .select([sql<number>`${hour}`.as('hour'), 'events.type', (eb) => eb.fn.countAll<number>().as('n')])
    .where('events.id', '>=', eventIdAt(start - 60_000))
    .where('events.created_at', '>=', start)
    .where('events.type', 'in', [...OUTCOME_TYPES])
    .groupBy([hour, 'events.type']);
  if (options.userId) query = query.innerJoin('messages', 'messages.id', 'events.message_id').where('messages.user_id', '=', options.userId);
  const rows: Array<{ hour: number; type: string; n: number }> = await query.execute();
  // Pruned messages' outcomes live on as per-minute counts (prune-messages.ts).
  const countedHour = sql<number>`event_counts.minute / ${sql.lit(HOUR_MS)}`;
  let counted = store.db
    .selectFrom('event_counts')
    .select([countedHour.as('hour'), 'event_counts.type', (eb) => eb.fn.sum<number>('event_counts.n').as('n')])
    .where('event_counts.minute', '>=', start)
    .groupBy([countedHour, 'event_counts.type']);
  if (options.userId) counted = counted.where('event_counts.user_id', '=', options.userId);
  rows.push(...(await counted.execute()));

  const buckets = Array.from({ length: options.hours }, (_, i) => ({ start: start + i * HOUR_MS, ...zero() }));
  const totals = zero();
  for (const row of rows) {
    const index = Math.floor(Number(row.hour)) - start / HOUR_MS;
    const bucket = buckets[index];
    if (!bucket) continue;
    add(bucket, row.type, Number(row.n));
    add(totals, row.type, Number(row.n));
  }
  return { start, end, bucketMs: HOUR_MS, buckets, totals };
}

/** Recipients still to be delivered, by state, and when the longest-waiting one was due. */
export async function readQueue(store: Store, userId?: string) {
  let query = store.db
    .selectFrom('recipients')
    .select(['recipients.status', (eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.min('recipients.next_attempt_at').as('oldest')])
    .where('recipients.status', 'in', ['queued', 'deferred', 'sending'])
    .groupBy('recipients.status');
  if (userId) query = query.innerJoin('messages', 'messages.id', 'recipients.message_id').where('messages.user_id', '=', userId);
  const queue = { queued: 0, deferred: 0, sending: 0, oldestDueAt: null as number | null };
  for (const row of await query.execute()) {
    const status = row.status as 'queued' | 'deferred' | 'sending';
    queue[status] = Number(row.n);
    if (status !== 'sending' && row.oldest !== null) queue.oldestDueAt = Math.min(queue.oldestDueAt ?? Infinity, Number(row.oldest));
  }
  return queue;
}

export interface ServerActivity {
  lastHour: OutcomeCounts;
  last24h: OutcomeCounts;
  /** Deferrals and failures in the last 15 minutes with nothing sent: the server is failing. */
  recentErrors: number;
  recentSent: number;
  lastError: { at: number; code: number | null; enhanced: string | null; response: string | null; detail: string | null } | null;
}

const RECENT_MS = 15 * 60_000;

/** Each server's outcomes over the last hour and day, and its latest error. */
export async function readServerActivity(store: Store, now: number): Promise<Map<string, ServerActivity>> {
  const dayAgo = now - 24 * HOUR_MS;
  const hourAgo = now - HOUR_MS;
  const rows = await store.db
    .selectFrom('events')
    .select([
      'events.server_id',
      'events.type',
      (eb) => eb.fn.countAll<number>().as('day'),
      sql<number>`sum(case when events.created_at >= ${hourAgo} then 1 else 0 end)`.as('hour'),
      sql<number>`sum(case when events.created_at >= ${now - RECENT_MS} then 1 else 0 end)`.as('recent'),
    ])
    .where('events.id', '>=', eventIdAt(dayAgo - 60_000))
    .where('events.created_at', '>=', dayAgo)
    .where('events.server_id', 'is not', null)
    .where('events.type', 'in', [...OUTCOME_TYPES])
    .groupBy(['events.server_id', 'events.type'])
    .execute();
  const byServer = new Map<string, ServerActivity>();
  for (const row of rows) {
    const id = row.server_id!;
    const activity = byServer.get(id) ?? { lastHour: zero(), last24h: zero(), recentErrors: 0, recentSent: 0, lastError: null };
    add(activity.last24h, row.type, Number(row.day));
    add(activity.lastHour, row.type, Number(row.hour));
    if (row.type === 'sent') activity.recentSent += Number(row.recent);
    else activity.recentErrors += Number(row.recent);
    byServer.set(id, activity);
  }
  for (const [id, activity] of byServer) {
    if (activity.last24h.deferred + activity.last24h.failed === 0) continue;
    const last = await store.db
      .selectFrom('events')
      .select(['created_at', 'code', 'enhanced', 'response', 'detail'])
      .where('server_id', '=', id)
      .where('type', 'in', ['deferred', 'failed'])
      .where('created_at', '>=', dayAgo)
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (last) activity.lastError = { at: Number(last.created_at), code: last.code, enhanced: last.enhanced, response: last.response, detail: last.detail };
  }
  return byServer;
}
