/**
 * Retention: deletes the content and the events of finished messages older than a cutoff while
 * keeping every statistic the API and the web UI show.
 *
 * What stays, and why that is enough:
 *   messages, recipients   (state, attempts, last answer, times): the message list, `queue
 *                          show` / GET /messages/:id (marked `pruned_at`), deliverability and
 *                          campaign progress and reports all read these
 *   feedback, engagements  bounces, complaints, opens, clicks: deliverability and reports
 *   event_counts           the outcome events (sent, deferred, failed, expired) of pruned messages,
 *                          counted per minute, type, server, user and campaign: the dashboard's
 *                          hourly outcomes (readActivity) and a campaign's timeline add these
 * What goes: message_contents (the raw message: headers, text, HTML, attachments), the sandbox
 * inbox's copies, and every event row of the message.
 *
 * The cutoff is at least a day old: the dashboard's per-server figures (last hour, last 24 hours,
 * last 15 minutes, measured from now rather than on minute boundaries) read the event log
 * itself, and a message finished before the cutoff has no outcome event inside that window.
 *
 * A message is finished when every recipient is in a final state (sent, bounced, complained,
 * failed, cancelled, suppressed) and neither it nor any recipient changed since the cutoff. Work
 * goes in batches, one transaction each, so a big prune never holds SQLite's write lock for
 * long; each batch picks and marks its messages in one guarded UPDATE, so a message retried
 * meanwhile (no longer final) is left alone.
 */
import { sql, type Transaction } from 'kysely';
import type { Database, RecipientStatus, Store } from '../store/index.js';
import { InputError } from '../lib/input-error.js';

export const FINAL_STATUSES: RecipientStatus[] = ['sent', 'bounced', 'complained', 'failed', 'cancelled', 'suppressed'];
const OPEN_STATUSES: RecipientStatus[] = ['queued', 'sending', 'deferred', 'paused'];
/** The event types the statistics count; read-stats.ts and campaign-report.ts read the same list. */
export const COUNTED_EVENT_TYPES = ['sent', 'deferred', 'failed', 'expired'] as const;

const DAY_MS = 86_400_000;
export const MIN_PRUNE_AGE_MS = DAY_MS;
const MINUTE_MS = 60_000;

export interface PruneOptions {
  /** Finished before `now - olderThanMs`; at least MIN_PRUNE_AGE_MS. */
  olderThanMs: number;
  now: number;
  /** Messages per transaction. */
  batchSize?: number;
}

export interface PruneResult {
  cutoff: number;
  messages: number;
  events: number;
  /** Bytes of message content deleted, plus an estimate for the event rows. */
  bytes: number;
}

/** `90d`, `36h` → milliseconds; anything else is an error naming `flag`. */
export function parseAge(flag: string, text: string): number {
  const match = /^\s*(\d+)\s*([dh])\s*$/i.exec(text);
  if (!match) throw new InputError(flag, `"${text}" is not an age: write days or hours, like 90d or 36h`);
  const ms = Number(match[1]) * (match[2]!.toLowerCase() === 'd' ? DAY_MS : 3_600_000);
  if (ms < MIN_PRUNE_AGE_MS) throw new InputError(flag, 'must be at least 1d (24h): the dashboard reads the last day of events');
  return ms;
}

export async function pruneMessages(store: Store, options: PruneOptions): Promise<PruneResult> {
  if (!(options.olderThanMs >= MIN_PRUNE_AGE_MS)) throw new InputError('olderThan', 'must be at least 1 day');
  const cutoff = options.now - options.olderThanMs;
  const batchSize = options.batchSize ?? 1000;
  const result: PruneResult = { cutoff, messages: 0, events: 0, bytes: 0 };
  let after = '';
  for (;;) {
    const batch = await store.db.transaction().execute((trx) => pruneBatch(trx, { cutoff, now: options.now, after, limit: batchSize }));
    if (batch.ids.length === 0) break;
    result.messages += batch.ids.length;
    result.events += batch.events;
    result.bytes += batch.bytes;
    after = batch.ids.at(-1)!;
  }
  return result;
}

interface Batch {
  ids: string[];
  events: number;
  bytes: number;
}

async function pruneBatch(trx: Transaction<Database>, at: { cutoff: number; now: number; after: string; limit: number }): Promise<Batch> {
  // Pick and mark in one statement: the conditions are checked on the rows as they are now.
  const candidates = trx
    .selectFrom('messages')
    .select('messages.id')
    .where('messages.pruned_at', 'is', null)
    .where('messages.status', 'in', FINAL_STATUSES)
    .where('messages.updated_at', '<', at.cutoff)
    .where('messages.id', '>', at.after)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('recipients')
            .select('recipients.id')
            .whereRef('recipients.message_id', '=', 'messages.id')
            .where((r) => r.or([r('recipients.status', 'in', OPEN_STATUSES), r('recipients.updated_at', '>=', at.cutoff)])),
        ),
      ),
    )
    .orderBy('messages.id')
    .limit(at.limit);
  const marked = await trx
    .updateTable('messages')
    .set({ pruned_at: at.now })
    .where('id', 'in', candidates)
    .where('status', 'in', FINAL_STATUSES)
    .returning('id')
    .execute();
  const ids = marked.map((r) => r.id).sort();
  if (ids.length === 0) return { ids, events: 0, bytes: 0 };

  await rollUpOutcomes(trx, ids);
  const size = await trx
    .selectFrom('events')
    .select([
      (eb) => eb.fn.countAll<number>().as('n'),
      sql<number | null>`sum(80 + coalesce(length(recipient), 0) + coalesce(length(response), 0) + coalesce(length(detail), 0))`.as('bytes'),
    ])
    .where('message_id', 'in', ids)
    .executeTakeFirstOrThrow();
  const content = await trx.selectFrom('message_contents').select(sql<number | null>`sum(length(raw))`.as('bytes')).where('message_id', 'in', ids).executeTakeFirstOrThrow();
  const sandbox = await trx.selectFrom('sandbox_messages').select(sql<number | null>`sum(length(raw))`.as('bytes')).where('message_id', 'in', ids).executeTakeFirstOrThrow();
  await trx.deleteFrom('events').where('message_id', 'in', ids).execute();
  await trx.deleteFrom('message_contents').where('message_id', 'in', ids).execute();
  await trx.deleteFrom('sandbox_messages').where('message_id', 'in', ids).execute();
  return { ids, events: Number(size.n), bytes: Number(size.bytes ?? 0) + Number(content.bytes ?? 0) + Number(sandbox.bytes ?? 0) };
}

/** Adds the counted events of these messages to event_counts, per minute. */
async function rollUpOutcomes(trx: Transaction<Database>, ids: string[]): Promise<void> {
  // A literal, not a parameter: PostgreSQL must see the same expression in SELECT and GROUP BY.
  const minute = sql<number>`(events.created_at / ${sql.lit(MINUTE_MS)}) * ${sql.lit(MINUTE_MS)}`;
  const server = sql<string>`coalesce(events.server_id, '')`;
  const user = sql<string>`coalesce(messages.user_id, '')`;
  const campaign = sql<string>`coalesce(messages.campaign_id, '')`;
  const rows = await trx
    .selectFrom('events')
    .innerJoin('messages', 'messages.id', 'events.message_id')
    .select([minute.as('minute'), 'events.type', server.as('server_id'), user.as('user_id'), campaign.as('campaign_id'), (eb) => eb.fn.countAll<number>().as('n')])
    .where('events.message_id', 'in', ids)
    .where('events.type', 'in', [...COUNTED_EVENT_TYPES])
    .groupBy([minute, 'events.type', server, user, campaign])
    .execute();
  for (let i = 0; i < rows.length; i += 500) {
    const values = rows.slice(i, i + 500).map((r) => ({ minute: Number(r.minute), type: r.type, server_id: r.server_id, user_id: r.user_id, campaign_id: r.campaign_id, n: Number(r.n) }));
    await trx
      .insertInto('event_counts')
      .values(values)
      .onConflict((oc) => oc.columns(['minute', 'type', 'server_id', 'user_id', 'campaign_id']).doUpdateSet({ n: (eb) => eb('event_counts.n', '+', eb.ref('excluded.n')) }))
      .execute();
  }
}
