import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../store/index.js';

/**
 * Brings the status of a campaign's messages in line with their recipients after a bulk change
 * (a campaign message has one recipient, so its status is that recipient's).
 */
export async function refreshCampaignMessages(db: Kysely<Database> | Transaction<Database>, campaignId: string, now: number): Promise<void> {
  await db
    .updateTable('messages')
    .set({
      status: sql`(select recipients.status from recipients where recipients.message_id = messages.id limit 1)`,
      updated_at: now,
    })
    .where('campaign_id', '=', campaignId)
    .where(sql<boolean>`status <> (select recipients.status from recipients where recipients.message_id = messages.id limit 1)`)
    .execute();
}
