/**
 * Retry ("send now") and cancel, the two changes a person makes to a message. Both touch only
 * recipients that are not in flight: a `sending` row belongs to the worker holding its lease.
 */
import type { Transaction } from 'kysely';
import type { Store, RecipientStatus, Database } from '../store/index.js';
import type { Clock } from '../lib/clock.js';
import { InputError } from '../lib/input-error.js';
import { recordEvents } from './events.js';
import { refreshMessageStatus } from './message-status.js';

const CHANGEABLE: RecipientStatus[] = ['queued', 'deferred', 'failed'];
/** A paused campaign's recipients can be cancelled, but are not sent before the campaign resumes. */
const CANCELLABLE: RecipientStatus[] = [...CHANGEABLE, 'paused'];

export interface ChangeResult {
  id: string;
  status: string;
  recipients: number;
}

export async function retryMessage(store: Store, clock: Clock, id: string, lifetimeMs: number): Promise<ChangeResult> {
  return changeMessage(store, clock, id, 'retried', async (trx, now) => {
    const result = await trx
      .updateTable('recipients')
      .set({ status: 'queued', next_attempt_at: now, updated_at: now })
      .where('message_id', '=', id)
      .where('status', 'in', CHANGEABLE)
      .executeTakeFirst();
    // A retried message gets a fresh lifetime, or it would expire on its next attempt.
    await trx.updateTable('messages').set({ expires_at: now + lifetimeMs }).where('id', '=', id).where('expires_at', '<', now + lifetimeMs).execute();
    return Number(result.numUpdatedRows);
  });
}

export async function cancelMessage(store: Store, clock: Clock, id: string): Promise<ChangeResult> {
  return changeMessage(store, clock, id, 'cancelled', async (trx, now) => {
    const result = await trx
      .updateTable('recipients')
      .set({ status: 'cancelled', updated_at: now })
      .where('message_id', '=', id)
      .where('status', 'in', CANCELLABLE)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  });
}

async function changeMessage(
  store: Store,
  clock: Clock,
  id: string,
  event: 'retried' | 'cancelled',
  change: (trx: Transaction<Database>, now: number) => Promise<number>,
): Promise<ChangeResult> {
  const now = clock.now();
  return store.db.transaction().execute(async (trx) => {
    // Locked on PostgreSQL so a prune running at the same time either sees the retry or is seen by it.
    const select = trx.selectFrom('messages').select(['id', 'status', 'pruned_at']).where('id', '=', id);
    const message = await (store.dialect === 'postgres' ? select.forUpdate() : select).executeTakeFirst();
    if (!message) throw new InputError('id', `no message with id "${id}"`);
    if (event === 'retried' && message.pruned_at !== null) throw new InputError('id', `message "${id}" cannot be sent again: its content was pruned`);
    const changed = await change(trx, now);
    if (changed === 0) {
      throw new InputError('id', `message ${id} is ${message.status}; only queued, deferred or failed messages can be ${event === 'retried' ? 'retried' : 'cancelled'}`);
    }
    await refreshMessageStatus(trx, [id], now);
    await recordEvents(trx, [{ messageId: id, type: event, detail: `${changed} recipient(s)` }], now);
    const after = await trx.selectFrom('messages').select('status').where('id', '=', id).executeTakeFirstOrThrow();
    return { id, status: after.status, recipients: changed };
  });
}
