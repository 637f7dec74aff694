/**
 * The guardrail: a sending campaign whose bounce rate passes `bounce_guardrail_percent` (default
 * 5 %) or whose complaint rate passes `complaint_guardrail_percent` (default 0.3 %) is paused, and
 * says why — mailbox providers throttle or block a sender past about those rates, and every
 * further message makes it worse. Rates are judged only once enough recipients have an answer
 * (MIN_ATTEMPTED), so two bounces among the first ten do not stop a campaign.
 *
 * Resuming clears the reason, and the guardrail leaves a campaign it paused once alone after
 * that: the user looked at the numbers and chose to go on.
 */
import type { Logger } from 'pino';
import type { Store } from '../store/index.js';
import type { Clock } from '../lib/clock.js';
import { recordEvents } from '../spool/index.js';
import { getSettings, feedbackSettings } from '../servers/settings.js';
import { pauseCampaign } from '../campaigns/change-campaign.js';

export const MIN_ATTEMPTED = 100;

export async function checkGuardrails(deps: { store: Store; clock: Clock; log: Logger }): Promise<string[]> {
  const { store } = deps;
  const sending = await store.db.selectFrom('campaigns').select(['id', 'name']).where('status', '=', 'sending').execute();
  if (sending.length === 0) return [];
  const limits = feedbackSettings(await getSettings(store));
  const paused: string[] = [];
  for (const campaign of sending) {
    const counts = await store.db
      .selectFrom('recipients')
      .innerJoin('messages', 'messages.id', 'recipients.message_id')
      .select([
        (eb) => eb.fn.countAll<number>().as('attempted'),
        (eb) => eb.fn.sum<number>(eb.case().when('recipients.status', '=', 'complained').then(1).else(0).end()).as('complained'),
        (eb) => eb.fn.sum<number>(eb.case().when('recipients.status', '=', 'bounced').then(1).else(0).end()).as('bounced'),
      ])
      .where('messages.campaign_id', '=', campaign.id)
      .where('recipients.status', 'in', ['sent', 'bounced', 'complained', 'failed'])
      .executeTakeFirstOrThrow();
    const refused = await store.db
      .selectFrom('feedback')
      .innerJoin('recipients', 'recipients.id', 'feedback.recipient_id')
      .select((eb) => eb.fn.count<number>('feedback.recipient_id').distinct().as('n'))
      .where('feedback.campaign_id', '=', campaign.id)
      .where('feedback.kind', '=', 'bounce')
      .where('recipients.status', '=', 'failed')
      .executeTakeFirstOrThrow();
    const attempted = Number(counts.attempted);
    if (attempted < MIN_ATTEMPTED) continue;
    const bounceRate = (Number(counts.bounced ?? 0) + Number(refused.n)) / attempted;
    const delivered = attempted - Number(counts.bounced ?? 0) - Number(refused.n);
    const complaintRate = delivered > 0 ? Number(counts.complained ?? 0) / delivered : 0;
    const percent = (x: number): string => `${(x * 100).toFixed(x < 0.01 ? 2 : 1)}%`;
    const reason =
      bounceRate > limits.bounceGuardrail
        ? `bounce rate ${percent(bounceRate)} is above ${percent(limits.bounceGuardrail)} (${attempted} answered)`
        : complaintRate > limits.complaintGuardrail
          ? `complaint rate ${percent(complaintRate)} is above ${percent(limits.complaintGuardrail)} (${delivered} delivered)`
          : null;
    if (!reason) continue;
    if (await pausedBefore(store, campaign.id)) continue;
    const now = deps.clock.now();
    await pauseCampaign(store, deps.clock, campaign.id, `Paused by the guardrail: ${reason}`);
    await recordEvents(store.db, [{ messageId: campaign.id, type: 'campaign_paused', detail: `${campaign.name}: paused by the guardrail: ${reason}` }], now);
    deps.log.warn({ campaign: campaign.id, name: campaign.name, reason }, 'campaign paused by the guardrail');
    paused.push(campaign.id);
  }
  return paused;
}

/** True when the guardrail paused this campaign before (so a user resumed it since). */
async function pausedBefore(store: Store, campaignId: string): Promise<boolean> {
  const last = await store.db.selectFrom('events').select('id').where('message_id', '=', campaignId).where('type', '=', 'campaign_paused').limit(1).executeTakeFirst();
  return last !== undefined;
}
