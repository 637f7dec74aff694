/**
 * A campaign's report: each recipient's state with the last SMTP answer, the bounce or complaint
 * that came back and whether the person opened, clicked or unsubscribed (as CSV, streamed), and
 * outcomes over time.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { sql } from 'kysely';
import type { Store, CampaignRow } from '../store/index.js';
import { csvCell } from './export-contacts.js';

const PAGE = 5000;

export interface RecipientLine {
  messageId: string;
  recipientId: string;
  address: string;
  status: string;
  attempts: number;
  code: number | null;
  enhancedCode: string | null;
  response: string | null;
  updatedAt: string;
}

/** One page of the campaign's recipients (by message id), optionally in one state. */
export async function campaignRecipients(store: Store, campaignId: string, options: { status?: string | undefined; after?: string | undefined; limit?: number } = {}): Promise<RecipientLine[]> {
  let query = store.db
    .selectFrom('messages')
    .innerJoin('recipients', 'recipients.message_id', 'messages.id')
    .select(['messages.id', 'recipients.id as recipient_id', 'recipients.address', 'recipients.status', 'recipients.attempts', 'recipients.last_code', 'recipients.last_enhanced', 'recipients.last_response', 'recipients.updated_at'])
    .where('messages.campaign_id', '=', campaignId)
    .orderBy('messages.id')
    .limit(options.limit ?? 100);
  if (options.after) query = query.where('messages.id', '>', options.after);
  if (options.status) query = query.where('recipients.status', '=', options.status as never);
  const rows = await query.execute();
  return rows.map((r) => ({
    messageId: r.id,
    recipientId: r.recipient_id,
    address: r.address,
    status: r.status,
    attempts: r.attempts,
    code: r.last_code,
    enhancedCode: r.last_enhanced,
    response: r.last_response,
    updatedAt: new Date(Number(r.updated_at)).toISOString(),
  }));
}

export async function writeCampaignReport(store: Store, campaign: CampaignRow, out: Writable): Promise<number> {
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write(['email', 'status', 'attempts', 'code', 'enhanced_code', 'response', 'bounce_reason', 'bounce', 'opened', 'clicked', 'unsubscribed', 'updated_at', 'message_id'].join(',') + '\r\n');
  let after: string | undefined;
  let count = 0;
  for (;;) {
    const page = await campaignRecipients(store, campaign.id, { after, limit: PAGE });
    if (page.length === 0) break;
    const feedback = await feedbackOf(store, page.map((r) => r.recipientId));
    const lines = page.map((r) => {
      const f = feedback.get(r.recipientId);
      const bounce = f?.bounce ? (f.bounce.hard ? 'hard' : 'soft') : '';
      return [r.address, r.status, r.attempts, r.code, r.enhancedCode, r.response, f?.bounce?.reason ?? '', bounce, f?.open ? 1 : 0, f?.click ? 1 : 0, f?.unsubscribe ? 1 : 0, r.updatedAt, r.messageId];
    });
    await write(lines.map((cells) => cells.map(csvCell).join(',') + '\r\n').join(''));
    count += page.length;
    after = page.at(-1)!.messageId;
  }
  return count;
}

interface RecipientFeedback {
  bounce?: { reason: string; hard: boolean };
  open?: boolean;
  click?: boolean;
  unsubscribe?: boolean;
}

/** The bounce each recipient got (the last) and what the person did (machines' opens and clicks left out). */
async function feedbackOf(store: Store, recipientIds: string[]): Promise<Map<string, RecipientFeedback>> {
  const out = new Map<string, RecipientFeedback>();
  const of = (id: string): RecipientFeedback => out.get(id) ?? (out.set(id, {}), out.get(id)!);
  for (let i = 0; i < recipientIds.length; i += 1000) {
    const ids = recipientIds.slice(i, i + 1000);
    const bounces = await store.db.selectFrom('feedback').select(['recipient_id', 'reason', 'hard']).where('recipient_id', 'in', ids).where('kind', '=', 'bounce').orderBy('id').execute();
    for (const b of bounces) of(b.recipient_id!).bounce = { reason: b.reason, hard: b.hard === 1 };
    const done = await store.db.selectFrom('engagements').select(['recipient_id', 'kind']).distinct().where('recipient_id', 'in', ids).where('machine', '=', 0).execute();
    for (const e of done) of(e.recipient_id!)[e.kind] = true;
  }
  return out;
}

/** A bucket size that draws the campaign's span in at most 120 bars: minutes for a short one, hours for a long one. */
function bucketFor(spanMs: number): number {
  for (const size of [60_000, 300_000, 900_000, 3_600_000]) if (spanMs / size <= 120) return size;
  return 3_600_000;
}

/** Outcomes of the campaign's recipients per bucket from its start to its end (or now). */
export async function campaignTimeline(store: Store, campaign: CampaignRow, now: number, bucketMs?: number) {
  const from = Number(campaign.started_at ?? campaign.created_at);
  const until = Math.max(from, campaign.finished_at === null ? now : Number(campaign.finished_at));
  bucketMs ??= bucketFor(until - from);
  const start = Math.floor(from / bucketMs) * bucketMs;
  const bucket = sql<number>`events.created_at / ${sql.lit(bucketMs)}`;
  const rows: Array<{ bucket: number; type: string; n: number }> = await store.db
    .selectFrom('events')
    .innerJoin('messages', 'messages.id', 'events.message_id')
    .select([sql<number>`${bucket}`.as('bucket'), 'events.type', (eb) => eb.fn.countAll<number>().as('n')])
    .where('messages.campaign_id', '=', campaign.id)
    .where('events.type', 'in', ['sent', 'deferred', 'failed', 'expired'])
    .groupBy([bucket, 'events.type'])
    .execute();
  // Pruned messages' outcomes live on as per-minute counts (spool/prune-messages.ts).
  const countedBucket = sql<number>`event_counts.minute / ${sql.lit(bucketMs)}`;
  const counted = await store.db
    .selectFrom('event_counts')
    .select([countedBucket.as('bucket'), 'event_counts.type', (eb) => eb.fn.sum<number>('event_counts.n').as('n')])
    .where('event_counts.campaign_id', '=', campaign.id)
    .groupBy([countedBucket, 'event_counts.type'])
    .execute();
  rows.push(...counted);
  const count = Math.max(1, Math.min(24 * 14, Math.floor((until - start) / bucketMs) + 1));
  const buckets = Array.from({ length: count }, (_, i) => ({ start: new Date(start + i * bucketMs).toISOString(), sent: 0, deferred: 0, failed: 0 }));
  for (const row of rows) {
    const b = buckets[Math.floor(Number(row.bucket)) - start / bucketMs];
    if (!b) continue;
    if (row.type === 'sent') b.sent += Number(row.n);
    else if (row.type === 'deferred') b.deferred += Number(row.n);
    else b.failed += Number(row.n);
  }
  return { bucketMs, buckets };
}
