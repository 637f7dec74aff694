import type { Store } from '../store/index.js';
import type { RecipientStatus } from '../store/index.js';
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
}

/**
 * Applies outcomes as state transitions, each guarded by our lease: a row another worker took
 * over (our lease ended) is left alone and gets no event. Returns how many rows were ours.
 */
export async function recordOutcomes(store: Store, owner: string, records: OutcomeRecord[], now: number): Promise<number> {
  if (records.length === 0) return 0;
  return store.db.transaction().execute(async (trx) => {
    const events: NewEvent[] = [];
    const touched = new Map<string, string | null>();
    for (const r of records) {
      const t = transition(r, now);
      const result = await trx
        .updateTable('recipients')
        .set(t.set)
        .where('id', '=', r.recipientId)
        .where('lease_owner', '=', owner)
        .where('status', '=', 'sending')
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) continue;
      events.push(t.event);
      if (!touched.has(r.messageId) || r.serverId) touched.set(r.messageId, r.serverId);
    }
    for (const [messageId, serverId] of touched) {
      if (serverId) await trx.updateTable('messages').set({ server_id: serverId }).where('id', '=', messageId).execute();
    }
    await refreshMessageStatus(trx, [...touched.keys()], now);
    await recordEvents(trx, events, now);
    return events.length;
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
  const o = r.outcome;
  const base = { lease_owner: null, server_id: r.serverId, updated_at: now };
  const event: NewEvent = { messageId: r.messageId, recipient: r.address, serverId: r.serverId, type: 'sent', attempt: r.attempts + 1 };
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
        event: { ...event, ...wire, type: o.kind === 'failed' ? 'failed' : 'expired', attempt: answer ? r.attempts + 1 : null, detail: o.reason },
      };
  }
}
