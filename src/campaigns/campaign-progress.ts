/**
 * A campaign's progress as people watch it: its recipients by state, what remains, the sending
 * rate over the last minute and, from it, when it should finish.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Store, CampaignRow, RecipientStatus, Database } from '../store/index.js';
import { eventIdAt } from '../spool/index.js';

export interface CampaignProgress {
  id: string;
  name: string;
  status: CampaignRow['status'];
  total: number;
  expanded: boolean;
  recipients: Record<RecipientStatus, number>;
  /** Not yet final: queued, sending, deferred or paused. */
  remaining: number;
  /** Recipients sent per minute over the last minute. */
  ratePerMinute: number;
  /** When the remaining recipients should be sent at the current rate; null when not sending. */
  eta: string | null;
  startedAt: string | null;
  finishedAt: string | null;
}

const RATE_WINDOW_MS = 60_000;

/** The campaign's recipients by state. */
export async function recipientCounts(db: Kysely<Database> | Transaction<Database>, campaignId: string): Promise<Record<RecipientStatus, number>> {
  const rows = await db
    .selectFrom('recipients')
    .innerJoin('messages', 'messages.id', 'recipients.message_id')
    .select(['recipients.status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('messages.campaign_id', '=', campaignId)
    .groupBy('recipients.status')
    .execute();
  const recipients: Record<RecipientStatus, number> = { queued: 0, sending: 0, sent: 0, deferred: 0, failed: 0, cancelled: 0, paused: 0, bounced: 0, complained: 0, suppressed: 0 };
  for (const row of rows) recipients[row.status] = Number(row.n);
  return recipients;
}

export async function campaignProgress(store: Store, campaign: CampaignRow, now: number): Promise<CampaignProgress> {
  const recipients = await recipientCounts(store.db, campaign.id);
  const remaining = recipients.queued + recipients.sending + recipients.deferred + recipients.paused;
  const recent = await store.db
    .selectFrom('events')
    .innerJoin('messages', 'messages.id', 'events.message_id')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('events.id', '>=', eventIdAt(now - RATE_WINDOW_MS))
    .where('events.type', '=', 'sent')
    .where('messages.campaign_id', '=', campaign.id)
    .where(sql<boolean>`events.created_at >= ${now - RATE_WINDOW_MS}`)
    .executeTakeFirstOrThrow();
  const ratePerMinute = Number(recent.n);
  const sending = campaign.status === 'sending';
  return {
    id: campaign.id,
    name: campaign.name,
    status: campaign.status,
    total: campaign.total,
    expanded: campaign.expanded === 1,
    recipients,
    remaining,
    ratePerMinute,
    eta: sending && ratePerMinute > 0 && remaining > 0 ? new Date(now + Math.ceil((remaining / ratePerMinute) * 60_000)).toISOString() : null,
    startedAt: campaign.started_at === null ? null : new Date(Number(campaign.started_at)).toISOString(),
    finishedAt: campaign.finished_at === null ? null : new Date(Number(campaign.finished_at)).toISOString(),
  };
}
