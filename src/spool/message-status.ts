import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../store/index.js';

/**
 * A message's status is derived from its recipients: any still in play wins (sending, then
 * queued, then deferred); otherwise failed if any failed, sent if any was sent, else cancelled.
 */
export async function refreshMessageStatus(
  db: Kysely<Database> | Transaction<Database>,
  messageIds: string[],
  now: number,
): Promise<void> {
  if (messageIds.length === 0) return;
  const has = (status: string) =>
    sql<boolean>`exists (select 1 from recipients r where r.message_id = messages.id and r.status = ${status})`;
  for (let i = 0; i < messageIds.length; i += 500) {
    await db
      .updateTable('messages')
      .set({
        status: sql`case
          when ${has('sending')} then 'sending'
          when ${has('queued')} then 'queued'
          when ${has('deferred')} then 'deferred'
          when ${has('failed')} then 'failed'
          when ${has('sent')} then 'sent'
          else 'cancelled' end`,
        updated_at: now,
      })
      .where('id', 'in', messageIds.slice(i, i + 500))
      .execute();
  }
}
