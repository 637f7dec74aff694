import { sql, type Transaction } from 'kysely';
import type { Store } from '../store/index.js';
import type { Database, RecipientStatus } from '../store/index.js';
import { formatSmtpAnswer } from '../lib/smtp-answer.js';
import { recordEvents, type NewEvent } from './events.js';
import { refreshMessageStatus } from './message-status.js';
import type { Outcome } from './outcome.js';

export interface OutcomeRecord {
  recipientId: string;
  messageId: string;
  address: string;
  /** Attempts before this one. */
  attempts: number;
  serverId: string | null;
  outcome: Outcome;
  /** What the attempt changed on the way, told in the event (e.g. "From rewritten: …"). */
  note?: string | undefined;
}

/**
 * Applies outcomes as state transitions, each guarded by our lease: a row another worker took
 * over (our lease ended) is left alone and gets no event. Returns how many rows were ours.
 * A batch is one UPDATE … FROM a VALUES list (per 1,000 rows), not one statement per row.
 */
/** Runs inside the transaction with the records that were ours, for what follows from them (bounces, suppressions). */
export type AfterOutcomes = (trx: Transaction<Database>, applied: OutcomeRecord[], now: number) => Promise<void>;

export async function recordOutcomes(store: Store, owner: string, records: OutcomeRecord[], now: number, after?: AfterOutcomes): Promise<number> {
  if (records.length === 0) return 0;
  const transitions = records.map((r) => ({ record: r, ...transition(r, now) }));
  return store.db.transaction().execute(async (trx) => {
    const applied = new Set<string>();
    for (let i = 0; i < transitions.length; i += 1000) {
      const chunk = transitions.slice(i, i + 1000);
      const values = chunk.map(({ record, set }) => {
        const keepLast = set.last_code === undefined ? 1 : 0;
        return sql`(${record.recipientId}, ${set.status}, ${set.attempts}, ${set.next_attempt_at}, ${set.server_id}, ${keepLast}, ${set.last_code ?? null}, ${set.last_enhanced ?? null}, ${set.last_response ?? null})`;
      });
      // Casts give PostgreSQL the column types of the VALUES list; SQLite takes them as no-ops.
      const result = await sql<{ id: string }>`
        with v(id, status, attempts, next_attempt_at, server_id, keep_last, last_code, last_enhanced, last_response) as (values ${sql.join(values)})
        update recipients set
          status = v.status,
          attempts = cast(v.attempts as integer),
          next_attempt_at = cast(v.next_attempt_at as bigint),
          lease_owner = null,
          server_id = v.server_id,
          last_code = case when cast(v.keep_last as integer) = 1 then recipients.last_code else cast(v.last_code as integer) end,
          last_enhanced = case when cast(v.keep_last as integer) = 1 then recipients.last_enhanced else v.last_enhanced end,
          last_response = case when cast(v.keep_last as integer) = 1 then recipients.last_response else v.last_response end,
          updated_at = ${now}
        from v
        where recipients.id = v.id and recipients.lease_owner = ${owner} and recipients.status = 'sending'
        returning recipients.id`.execute(trx);
      for (const row of result.rows) applied.add(row.id);
    }
    const mine = transitions.filter((t) => applied.has(t.record.recipientId));
    const byServer = new Map<string, Set<string>>();
    for (const { record } of mine) {
      if (record.serverId) byServer.set(record.serverId, (byServer.get(record.serverId) ?? new Set()).add(record.messageId));
    }
    for (const [serverId, messageIds] of byServer) {
      const ids = [...messageIds];
      for (let i = 0; i < ids.length; i += 500) {
        await trx.updateTable('messages').set({ server_id: serverId }).where('id', 'in', ids.slice(i, i + 500)).execute();
      }
    }
    await refreshMessageStatus(trx, [...new Set(mine.map((t) => t.record.messageId))], now);
    await recordEvents(trx, mine.map((t) => t.event), now);
    if (after) await after(trx, mine.map((t) => t.record), now);
    return mine.length;
  });
}

interface Transition {
  set: {
    status: RecipientStatus;
    attempts: number;
    next_attempt_at: number;
    lease_owner: null;
    server_id: string | null;
    last_code?: number | null;
    last_enhanced?: string | null;
    last_response?: string | null;
    updated_at: number;
  };
  event: NewEvent;
}

function transition(r: OutcomeRecord, now: number): Transition {
  const made = outcomeTransition(r, now);
  if (!r.note) return made;
  return { ...made, event: { ...made.event, detail: made.event.detail ? `${made.event.detail}; ${r.note}` : r.note } };
}

function outcomeTransition(r: OutcomeRecord, now: number): Transition {
  const o = r.outcome;
  const base = { lease_owner: null, server_id: r.serverId, updated_at: now };
  const event: NewEvent = { messageId: r.messageId, recipient: r.address, serverId: r.serverId, type: 'sent', attempt: r.attempts + 1 };
  if (o.kind === 'suppressed') {
    // Not an attempt either: the recipient ends here, and the event says why.
    return { set: { ...base, status: 'suppressed', attempts: r.attempts, next_attempt_at: now, last_code: null, last_enhanced: null, last_response: o.reason }, event: { ...event, type: 'suppressed', attempt: null, detail: o.reason } };
  }
  if (o.kind === 'held') {
    // Not an attempt: the row goes back to where it was, due when the server may send again.
    return {
      set: { ...base, status: r.attempts > 0 ? 'deferred' : 'queued', attempts: r.attempts, next_attempt_at: o.until },
      event: { ...event, type: 'held', attempt: null, detail: o.reason },
    };
  }
  const answer = o.answer;
  // Expiring without a new answer keeps the last one the server gave: that is why it never went out.
  // The response keeps the step a session broke at (`auth: 535 5.7.8 …`); the reason carries it.
  const last = answer
    ? { last_code: answer.code, last_enhanced: answer.enhanced, last_response: o.kind === 'delivered' ? formatSmtpAnswer(answer) : o.reason }
    : o.kind === 'expired'
      ? {}
      : { last_code: null, last_enhanced: null, last_response: o.kind === 'delivered' ? null : o.reason };
  const wire = { code: answer?.code ?? null, enhanced: answer?.enhanced ?? null, response: answer ? answer.text : null };
  switch (o.kind) {
    case 'delivered':
      return { set: { ...base, ...last, status: 'sent', attempts: r.attempts + 1, next_attempt_at: now }, event: { ...event, ...wire } };
    case 'deferred':
      return {
        set: { ...base, ...last, status: 'deferred', attempts: r.attempts + 1, next_attempt_at: o.retryAt },
        event: { ...event, ...wire, type: 'deferred', detail: `${o.reason}; next try ${new Date(o.retryAt).toISOString()}` },
      };
    case 'failed':
    case 'expired':
      return {
        set: { ...base, ...last, status: 'failed', attempts: r.attempts + (answer ? 1 : 0), next_attempt_at: now },
        event: { ...event, ...wire, type: o.kind === 'failed' ? 'failed' : 'expired', attempt: answer ? r.attempts + 1 : null, detail: o.kind === 'failed' && o.bounce ? `${o.reason} [${o.bounce.reason}, ${o.bounce.hard ? 'hard' : 'soft'} bounce]` : o.reason },
      };
  }
}
