/**
 * Webhook deliveries as a queue. A delivery is
 *
 *   pending    due at `next_attempt_at`; while an attempt is in flight, that is when its lease ends
 *   delivered  the endpoint answered 2xx
 *   failed     no 2xx answer within the lifetime (a day after the first attempt, by default)
 *
 * Each change is one guarded statement. Claiming counts the attempt and takes the lease; the
 * result is written only if the attempt count is still the one claimed, so a sender whose lease
 * ran out (and whose delivery another sender took over) cannot overwrite the newer attempt.
 */
import type { Store, WebhookDeliveryRow, WebhookDeliveryStatus } from '../store/index.js';

/** How one attempt ended. */
export type AttemptResult =
  | { kind: 'delivered'; statusCode: number }
  /** A non-2xx answer (statusCode), or no answer at all: a network error, a timeout, a refused address. */
  | { kind: 'failed'; statusCode: number | null; error: string };

export interface RetryPolicy {
  /** Delay after the first failed attempt; doubled after each further one. */
  backoffBaseMs: number;
  maxDelayMs: number;
  /** After this long from the first attempt, a delivery that still fails is given up. */
  lifetimeMs: number;
}

export interface ClaimedDelivery extends WebhookDeliveryRow {
  url: string;
  /** The endpoint's signing secret, sealed. */
  secret: string;
}

/** Claims due deliveries of active endpoints, counting an attempt and leasing each for `leaseMs`. */
export async function claimDeliveries(store: Store, options: { now: number; limit: number; leaseMs: number }): Promise<ClaimedDelivery[]> {
  const { now, limit, leaseMs } = options;
  const claimed = await store.db.transaction().execute(async (trx) => {
    let due = trx
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .where('webhook_id', 'in', trx.selectFrom('webhooks').select('id').where('active', '=', 1))
      .orderBy('next_attempt_at')
      .limit(limit);
    if (store.dialect === 'postgres') due = due.forUpdate().skipLocked();
    return trx
      .updateTable('webhook_deliveries')
      .set((eb) => ({
        attempts: eb('attempts', '+', 1),
        next_attempt_at: now + leaseMs,
        first_attempt_at: eb.fn.coalesce('first_attempt_at', eb.val(now)),
        updated_at: now,
      }))
      .where('id', 'in', due)
      .where('status', '=', 'pending')
      .returningAll()
      .execute();
  });
  if (claimed.length === 0) return [];
  const endpoints = await store.db
    .selectFrom('webhooks')
    .select(['id', 'url', 'secret'])
    .where('id', 'in', [...new Set(claimed.map((d) => d.webhook_id))])
    .execute();
  const byId = new Map(endpoints.map((e) => [e.id, e]));
  return claimed.flatMap((d) => {
    const endpoint = byId.get(d.webhook_id);
    return endpoint ? [{ ...d, url: endpoint.url, secret: endpoint.secret }] : [];
  });
}

/**
 * Delay before the next attempt after `attempts` failed ones: the base, doubling, up to the
 * ceiling, with ±10% jitter so the deliveries of one burst to a dead endpoint do not return in one wave.
 */
export function deliveryBackoff(attempts: number, policy: Pick<RetryPolicy, 'backoffBaseMs' | 'maxDelayMs'>, random = Math.random): number {
  const base = Math.min(policy.backoffBaseMs * 2 ** Math.min(Math.max(attempts - 1, 0), 30), policy.maxDelayMs);
  return Math.round(base * (0.9 + random() * 0.2));
}

/** Writes how the claimed attempt ended; returns the delivery's new status (null: the lease was lost, nothing written). */
export async function recordAttempt(
  store: Store,
  delivery: Pick<WebhookDeliveryRow, 'id' | 'attempts' | 'first_attempt_at'>,
  result: AttemptResult,
  now: number,
  policy: RetryPolicy,
): Promise<WebhookDeliveryStatus | null> {
  let status: WebhookDeliveryStatus;
  let next = now;
  if (result.kind === 'delivered') status = 'delivered';
  else {
    next = now + deliveryBackoff(delivery.attempts, policy);
    // Retries that run out become a failure here, and only here.
    status = next > (delivery.first_attempt_at ?? now) + policy.lifetimeMs ? 'failed' : 'pending';
  }
  const updated = await store.db
    .updateTable('webhook_deliveries')
    .set({
      status,
      next_attempt_at: status === 'pending' ? next : now,
      last_status_code: result.statusCode,
      last_error: result.kind === 'failed' ? result.error.slice(0, 1000) : null,
      updated_at: now,
    })
    .where('id', '=', delivery.id)
    .where('status', '=', 'pending')
    .where('attempts', '=', delivery.attempts)
    .executeTakeFirst();
  return Number(updated.numUpdatedRows) > 0 ? status : null;
}
