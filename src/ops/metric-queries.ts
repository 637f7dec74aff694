/**
 * The database-derived part of /metrics, read at scrape time: the same numbers from any process
 * sharing the database. Each query below says what it costs; all are bounded by an index or by
 * a small table, and none scans the whole history:
 *
 *   messages by status       one pass over the covering index messages_status_created — O(messages);
 *                            ~0.1 s per million messages on SQLite here (recipients have no status
 *                            index: counting them all would read every row, ~0.45 s per million)
 *   queue                    the partial index recipients_due (queued, deferred, sending only) —
 *                            O(recipients in play), however long the history
 *   servers, slots           the servers table and server_slots (one row per session allowed) — tiny
 *   destination throttles    one row per direct-delivery destination that was ever throttled — small
 *   bounces, complaints      the last 24 hours of feedback through the feedback_created index —
 *                            O(feedback rows of the last day)
 */
import { sql } from 'kysely';
import type { Store, ServerKind } from '../store/index.js';
import { listServers, type OutgoingServer } from '../servers/index.js';
import { describeServerState } from '../servers/describe-server-state.js';
import { UNTIL_FURTHER_NOTICE } from '../oauth/index.js';
import { allowedSessions, settle } from '../throttle/throttle-state.js';
import { serverThrottle } from '../throttle/throttle-rows.js';

/** A server's state for metrics: describeServerState's, with a rest until the account is reconnected told apart. */
export const SERVER_STATES = ['active', 'slowed', 'paused', 'reconnect', 'unhealthy', 'inactive'] as const;
export type ServerMetricState = (typeof SERVER_STATES)[number];

export interface ServerGauges {
  name: string;
  kind: ServerKind;
  state: ServerMetricState;
  /** Sessions open across the cluster now (slots held under a live lease). */
  sessionsInUse: number;
  /** Sessions allowed now: the configured limit, halved per slow-down level. */
  sessionsLimit: number;
  throttleLevel: number;
  destinationsPaused: number;
  destinationsSlowed: number;
}

export interface DatabaseGauges {
  messages: Map<string, number>;
  /** Recipients in play by status: queued, deferred, sending. */
  queue: Map<string, number>;
  /** Recipients a worker may claim now (due, or a lease that ended). */
  due: number;
  /** Since when the longest-waiting due recipient has been due; null: nothing is due. */
  oldestDueAt: number | null;
  servers: ServerGauges[];
  bounces: { reason: string; hard: boolean; count: number }[];
  complaints: { feedbackType: string; count: number }[];
}

const DAY_MS = 24 * 3_600_000;
/** As lanes.ts opens a lane: a direct server without a limit may open this many sessions. */
const DIRECT_MAX_SESSIONS = 100;

export async function readDatabaseGauges(store: Store, now: number, defaultMaxSessions: number): Promise<DatabaseGauges> {
  const db = store.db;
  const messages = await db.selectFrom('messages').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('status').execute();
  // The status list is written literally so SQLite can prove the partial index recipients_due applies.
  const queue = await db
    .selectFrom('recipients')
    .select([
      'status',
      (eb) => eb.fn.countAll<number>().as('n'),
      sql<number | null>`sum(case when next_attempt_at <= ${now} then 1 else 0 end)`.as('due'),
      sql<number | null>`min(case when next_attempt_at <= ${now} then next_attempt_at end)`.as('oldest'),
    ])
    .where(sql<boolean>`status in ('queued', 'deferred', 'sending')`)
    .groupBy('status')
    .execute();
  const servers = await listServers(store);
  const slots = await db
    .selectFrom('server_slots')
    .select(['server_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('owner', 'is not', null)
    .where('expires_at', '>', now)
    .groupBy('server_id')
    .execute();
  const destinations = await db
    .selectFrom('destination_throttles')
    .select([
      'server_id',
      sql<number | null>`sum(case when paused_until > ${now} then 1 else 0 end)`.as('paused'),
      sql<number | null>`sum(case when (paused_until is null or paused_until <= ${now}) and throttle_level > 0 and throttle_until > ${now} then 1 else 0 end)`.as('slowed'),
    ])
    .groupBy('server_id')
    .execute();
  const feedback = await db
    .selectFrom('feedback')
    .select(['kind', 'reason', 'hard', 'feedback_type', (eb) => eb.fn.countAll<number>().as('n')])
    .where('created_at', '>=', now - DAY_MS)
    .where('kind', 'in', ['bounce', 'complaint'])
    .groupBy(['kind', 'reason', 'hard', 'feedback_type'])
    .execute();

  const inUse = new Map(slots.map((r) => [r.server_id, Number(r.n)]));
  const throttled = new Map(destinations.map((r) => [r.server_id, { paused: Number(r.paused ?? 0), slowed: Number(r.slowed ?? 0) }]));
  let due = 0;
  let oldestDueAt: number | null = null;
  for (const row of queue) {
    due += Number(row.due ?? 0);
    if (row.oldest !== null) oldestDueAt = Math.min(oldestDueAt ?? Infinity, Number(row.oldest));
  }
  const complaints = new Map<string, number>();
  for (const row of feedback) {
    if (row.kind === 'complaint') complaints.set(row.feedback_type ?? 'unknown', (complaints.get(row.feedback_type ?? 'unknown') ?? 0) + Number(row.n));
  }
  return {
    messages: new Map(messages.map((r) => [r.status, Number(r.n)])),
    queue: new Map(queue.map((r) => [r.status, Number(r.n)])),
    due,
    oldestDueAt,
    servers: servers.map((server) => serverGauges(server, now, defaultMaxSessions, inUse.get(server.id) ?? 0, throttled.get(server.id))),
    bounces: feedback.filter((r) => r.kind === 'bounce').map((r) => ({ reason: r.reason, hard: r.hard === 1, count: Number(r.n) })),
    complaints: [...complaints].map(([feedbackType, count]) => ({ feedbackType, count })),
  };
}

function serverGauges(server: OutgoingServer, now: number, defaultMaxSessions: number, sessionsInUse: number, destinations: { paused: number; slowed: number } | undefined): ServerGauges {
  // A pause or a slow-down level whose time is over counts as over, as the worker would see it.
  const throttle = settle(serverThrottle(server), now);
  const settled = { ...server, pausedUntil: throttle.pausedUntil, throttleLevel: throttle.level };
  const reconnect = server.active && server.pausedUntil !== null && server.pausedUntil >= UNTIL_FURTHER_NOTICE;
  return {
    name: server.name,
    kind: server.kind,
    state: reconnect ? 'reconnect' : describeServerState(settled, now).state,
    sessionsInUse,
    sessionsLimit: allowedSessions(server.maxConcurrent ?? (server.kind === 'direct' ? DIRECT_MAX_SESSIONS : defaultMaxSessions), throttle.level),
    throttleLevel: throttle.level,
    destinationsPaused: destinations?.paused ?? 0,
    destinationsSlowed: destinations?.slowed ?? 0,
  };
}
