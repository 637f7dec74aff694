import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, MessageStatus } from '../store/index.js';

/**
 * A message's status is derived from its recipients: any still in play wins (sending, then
 * queued, then deferred, then paused); otherwise failed, bounced, suppressed or complained if any
 * recipient is, sent if any was sent, else cancelled.
 * Read as one grouped query over the `recipients_message` index (an EXISTS per status would let
 * PostgreSQL pick full scans while its statistics are stale), then one update per status.
 */
const RANKED: MessageStatus[] = ['sending', 'queued', 'deferred', 'paused', 'failed', 'bounced', 'suppressed', 'complained', 'sent', 'cancelled'];

export async function refreshMessageStatus(
  db: Kysely<Database> | Transaction<Database>,
  messageIds: string[],
  now: number,
): Promise<void> {
  const rank = sql<number>`min(case status ${sql.join(
    RANKED.map((status, i) => sql`when ${sql.lit(status)} then ${sql.lit(i)}`),
    sql` `,
  )} end)`;
  for (let i = 0; i < messageIds.length; i += 500) {
    const chunk = messageIds.slice(i, i + 500);
    const rows = await db.selectFrom('recipients').select(['message_id', rank.as('rank')]).where('message_id', 'in', chunk).groupBy('message_id').execute();
    const byStatus = new Map<MessageStatus, string[]>();
    for (const row of rows) {
      const status = RANKED[Number(row.rank)] ?? 'cancelled';
      byStatus.set(status, [...(byStatus.get(status) ?? []), row.message_id]);
    }
    for (const [status, ids] of byStatus) {
      await db.updateTable('messages').set({ status, updated_at: now }).where('id', 'in', ids).execute();
    }
  }
}
