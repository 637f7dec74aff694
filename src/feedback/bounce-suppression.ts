/**
 * What a bounce does to the suppression list. A hard bounce suppresses the address at once. Soft
 * bounces suppress it once `softBounceLimit` of them arrived within the window, for
 * `softBounceSuppressMs` — but only soft bounces that speak of the recipient's mailbox count:
 * one that speaks of us (our IP listed, our rate, our content, our DNS) would take a good
 * subscriber off the list for our own fault, so those reasons never suppress.
 *
 * Runs inside the transaction that wrote the bounces' `feedback` rows, which the count includes.
 */
import type { Transaction } from 'kysely';
import type { Database } from '../store/index.js';
import type { FeedbackSettings } from '../servers/index.js';
import { suppressAddresses, type SuppressionEntry } from './suppress-addresses.js';

/** Soft reasons about the recipient's side: a full, suspended, held or missing-for-now mailbox, or mail that could never reach it. */
export const COUNTED_SOFT_REASONS: readonly string[] = ['mailboxfull', 'suspend', 'onhold', 'systemfull', 'exceedlimit', 'expired', 'hostunknown', 'userunknown', 'hasmoved', 'notaccept', 'undefined'];

export interface BounceForSuppression {
  address: string;
  reason: string;
  hard: boolean;
  messageId: string | null;
  detail: string;
}

export async function suppressAfterBounces(trx: Transaction<Database>, bounces: BounceForSuppression[], settings: FeedbackSettings, now: number): Promise<void> {
  const entries: SuppressionEntry[] = [];
  for (const b of bounces) {
    if (b.hard) {
      entries.push({ address: b.address, reason: 'hard-bounce', detail: b.detail, messageId: b.messageId });
      continue;
    }
    if (!COUNTED_SOFT_REASONS.includes(b.reason)) continue;
    const counted = await trx
      .selectFrom('feedback')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('address', '=', b.address.toLowerCase())
      .where('kind', '=', 'bounce')
      .where('hard', '=', 0)
      .where('reason', 'in', COUNTED_SOFT_REASONS as string[])
      .where('created_at', '>', now - settings.softBounceWindowMs)
      .executeTakeFirstOrThrow();
    if (Number(counted.n) < settings.softBounceLimit) continue;
    entries.push({
      address: b.address,
      reason: 'soft-bounce',
      detail: `${Number(counted.n)} soft bounces within ${Math.round(settings.softBounceWindowMs / 86_400_000)} days; last: ${b.detail}`,
      messageId: b.messageId,
      expiresAt: settings.softBounceSuppressMs === null ? null : now + settings.softBounceSuppressMs,
    });
  }
  if (entries.length > 0) await suppressAddresses(trx, entries, now);
}
