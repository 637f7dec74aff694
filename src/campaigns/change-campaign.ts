/**
 * A campaign's life:
 *
 *   draft ──start──► scheduled ──(first recipient due)──► sending ──(nothing left)──► finished
 *                        │  ▲                                │  ▲
 *                        ▼  │ resume                   pause ▼  │ resume
 *                        paused ◄────────────────────────────┘
 *   any but finished ──cancel──► cancelled
 *
 * Each change is one guarded statement on the campaign plus one on its waiting recipients:
 * pausing turns queued and deferred recipients into `paused` (no worker claims them; those in
 * flight finish), resuming turns them back into queued at their own due times, cancelling
 * cancels everything not yet sent. "Retry failed" queues the failed recipients only.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Store, CampaignRow, CampaignStatus, RecipientStatus, Database } from '../store/index.js';
import type { Clock } from '../lib/clock.js';
import { InputError } from '../lib/input-error.js';
import { findCampaign, scheduleFromInput } from './create-campaign.js';
import { expandCampaign, type ExpandContext } from './expand-campaign.js';
import { refreshCampaignMessages } from './campaign-messages.js';
import { recordEvents } from '../spool/index.js';
import { recipientCounts } from './campaign-progress.js';

type Db = Kysely<Database> | Transaction<Database>;

async function transition(db: Db, campaign: CampaignRow, from: CampaignStatus[], to: CampaignStatus, now: number, extra: Partial<CampaignRow> = {}): Promise<CampaignRow> {
  const result = await db
    .updateTable('campaigns')
    .set({ status: to, updated_at: now, ...extra })
    .where('id', '=', campaign.id)
    .where('status', 'in', from)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) {
    throw new InputError('status', `the campaign is ${campaign.status}; only a ${from.join(' or ')} campaign can be made ${to}`);
  }
  return { ...campaign, status: to, updated_at: now, ...extra };
}

/** The campaign's change and its recipients' change in one transaction (expansion locks the same campaign row). */
async function change(store: Store, clock: Clock, id: string, from: CampaignStatus[], to: CampaignStatus, recipients: { from: RecipientStatus[]; to: RecipientStatus } | null, extra: Partial<CampaignRow> = {}): Promise<CampaignRow> {
  const campaign = await findCampaign(store, id);
  const now = clock.now();
  return store.db.transaction().execute(async (trx) => {
    const changed = await transition(trx, campaign, from, to, now, extra);
    if (recipients) await moveRecipients(trx, campaign.id, recipients.from, { status: recipients.to }, now);
    return changed;
  });
}

/**
 * Starts a draft: it is scheduled, then expanded into the spool (due times follow the schedule)
 * — here when `expand` is set (the command line, which shows it), otherwise by the monitor.
 */
export async function startCampaign(ctx: ExpandContext, id: string, options: { expand?: boolean } = {}): Promise<CampaignRow> {
  const campaign = await change(ctx.store, ctx.clock, id, ['draft'], 'scheduled', null, { started_at: ctx.clock.now() });
  if (options.expand) await expandCampaign(ctx, campaign);
  return findCampaign(ctx.store, campaign.id);
}

/** Sets a draft's schedule (checked like a new campaign's). */
export async function rescheduleCampaign(store: Store, clock: Clock, id: string, input: unknown): Promise<CampaignRow> {
  const campaign = await findCampaign(store, id);
  if (campaign.status !== 'draft') throw new InputError('status', `the campaign is ${campaign.status}; only a draft can be scheduled anew`);
  const schedule = scheduleFromInput(input, clock.now());
  const now = clock.now();
  await store.db.updateTable('campaigns').set({ schedule: JSON.stringify(schedule), updated_at: now }).where('id', '=', campaign.id).where('status', '=', 'draft').execute();
  return { ...campaign, schedule: JSON.stringify(schedule), updated_at: now };
}

/** Expands every started campaign that is not fully expanded yet (one started through the API, or interrupted). */
export async function expandPending(ctx: ExpandContext): Promise<number> {
  const pending = await ctx.store.db.selectFrom('campaigns').selectAll().where('expanded', '=', 0).where('status', 'in', ['scheduled', 'sending', 'paused']).execute();
  let written = 0;
  for (const campaign of pending) written += await expandCampaign(ctx, campaign);
  return written;
}

/** Moves the campaign's recipients in `from` states to `to`, in one statement. */
async function moveRecipients(db: Db, campaignId: string, from: RecipientStatus[], set: { status: RecipientStatus; next_attempt_at?: number }, now: number): Promise<number> {
  const result = await db
    .updateTable('recipients')
    .set({ ...set, updated_at: now })
    .where('status', 'in', from)
    .where('message_id', 'in', (eb) => eb.selectFrom('messages').select('messages.id').where('messages.campaign_id', '=', campaignId))
    .executeTakeFirst();
  await refreshCampaignMessages(db, campaignId, now);
  return Number(result.numUpdatedRows);
}

/** `reason` says why when Postroom pauses it (the guardrail); a user's pause has none. */
export async function pauseCampaign(store: Store, clock: Clock, id: string, reason: string | null = null): Promise<CampaignRow> {
  return change(store, clock, id, ['scheduled', 'sending'], 'paused', { from: ['queued', 'deferred'], to: 'paused' }, { pause_reason: reason });
}

/** Back to the queue at their own due times (a time-zone campaign keeps each contact's hour). */
export async function resumeCampaign(store: Store, clock: Clock, id: string): Promise<CampaignRow> {
  return change(store, clock, id, ['paused'], 'sending', { from: ['paused'], to: 'queued' }, { pause_reason: null });
}

export async function cancelCampaign(store: Store, clock: Clock, id: string): Promise<CampaignRow> {
  return change(store, clock, id, ['draft', 'scheduled', 'sending', 'paused'], 'cancelled', { from: ['queued', 'deferred', 'paused'], to: 'cancelled' }, { finished_at: clock.now() });
}

/** Manage delivery → retry failed recipients only: they are queued again now; nobody else is touched. */
export async function retryFailedRecipients(store: Store, clock: Clock, id: string, lifetimeMs: number): Promise<{ campaign: CampaignRow; recipients: number }> {
  const campaign = await findCampaign(store, id);
  if (campaign.status === 'draft' || campaign.status === 'cancelled') throw new InputError('status', `the campaign is ${campaign.status}; nothing to retry`);
  const now = clock.now();
  const recipients = await moveRecipients(store.db, campaign.id, ['failed'], { status: campaign.status === 'paused' ? 'paused' : 'queued', next_attempt_at: now }, now);
  if (recipients > 0) {
    await store.db
      .updateTable('messages')
      .set({ expires_at: now + lifetimeMs })
      .where('campaign_id', '=', campaign.id)
      .where('expires_at', '<', now + lifetimeMs)
      .execute();
    if (campaign.status === 'finished') {
      await store.db.updateTable('campaigns').set({ status: 'sending', finished_at: null, updated_at: now }).where('id', '=', campaign.id).where('status', '=', 'finished').execute();
    }
  }
  return { campaign: await findCampaign(store, campaign.id), recipients };
}

/**
 * Housekeeping, run by the monitor: a scheduled campaign whose first recipient is due becomes
 * `sending`; a sending campaign with every recipient final becomes `finished`. Returns the
 * campaigns that finished just now.
 */
export async function advanceCampaigns(store: Store, clock: Clock): Promise<CampaignRow[]> {
  const now = clock.now();
  const active = await store.db.selectFrom('campaigns').selectAll().where('status', 'in', ['scheduled', 'sending']).execute();
  const finished: CampaignRow[] = [];
  for (const campaign of active) {
    if (campaign.status === 'scheduled') {
      // Under way once any recipient is due or has been tried.
      const started = await store.db
        .selectFrom('recipients')
        .innerJoin('messages', 'messages.id', 'recipients.message_id')
        .select('recipients.id')
        .where('messages.campaign_id', '=', campaign.id)
        .where((eb) => eb.or([eb('recipients.next_attempt_at', '<=', now), eb('recipients.status', 'not in', ['queued', 'paused'])]))
        .limit(1)
        .executeTakeFirst();
      if (!started) continue;
      const moved = await store.db.updateTable('campaigns').set({ status: 'sending', updated_at: now }).where('id', '=', campaign.id).where('status', '=', 'scheduled').executeTakeFirst();
      if (Number(moved.numUpdatedRows) !== 1) continue;
    }
    if (campaign.expanded !== 1) continue;
    const waiting = await store.db
      .selectFrom('recipients')
      .innerJoin('messages', 'messages.id', 'recipients.message_id')
      .select('recipients.id')
      .where('messages.campaign_id', '=', campaign.id)
      .where('recipients.status', 'in', ['queued', 'deferred', 'sending', 'paused'])
      .limit(1)
      .executeTakeFirst();
    if (waiting) continue;
    const done = await store.db.transaction().execute(async (trx) => {
      const moved = await trx
        .updateTable('campaigns')
        .set({ status: 'finished', finished_at: now, updated_at: now })
        .where('id', '=', campaign.id)
        .where('status', '=', 'sending')
        .executeTakeFirst();
      if (Number(moved.numUpdatedRows) !== 1) return false;
      const counts = await recipientCounts(trx, campaign.id);
      const detail = Object.entries(counts)
        .filter(([, n]) => n > 0)
        .map(([status, n]) => `${n} ${status}`)
        .join(', ');
      // The campaign's own event (webhook campaign.finished, the UI's notification): message_id holds the campaign id.
      await recordEvents(trx, [{ messageId: campaign.id, type: 'campaign_finished', detail: `${campaign.name}: ${detail}` }], now);
      return true;
    });
    if (done) finished.push({ ...campaign, status: 'finished', finished_at: now });
  }
  return finished;
}
