/**
 * Webhooks running beside the delivery worker: two loops.
 *
 *   dispatch  reads the event log after its cursor and writes deliveries (dispatch-events.ts)
 *   send      claims due deliveries, POSTs each (at most `concurrency` at a time) and records
 *             how the attempt ended (delivery-queue.ts, post-delivery.ts)
 *
 * `stop` ends both loops and waits for attempts in flight (each bounded by its timeout) to be
 * recorded. A process that dies instead leaves its attempts leased; they are tried again when
 * the lease ends.
 */
import type { Logger } from 'pino';
import type { Store } from '../store/index.js';
import type { Clock } from '../lib/clock.js';
import type { SecretBox } from '../servers/index.js';
import type { ResolveHost } from './check-url.js';
import { dispatchEvents } from './dispatch-events.js';
import { claimDeliveries, recordAttempt, type AttemptResult, type ClaimedDelivery, type RetryPolicy } from './delivery-queue.js';
import { createDeliveryAgents, postDelivery } from './post-delivery.js';
import { privateAddressesAllowed } from './webhook-record.js';

export interface WebhooksOptions {
  store: Store;
  clock: Clock;
  secrets: SecretBox;
  log: Logger;
  /** Pause between passes when there is nothing to do (default 1 s). */
  pollMs?: number;
  /** Delay after the first failed attempt, doubled after each further one (default 30 s). */
  backoffBaseMs?: number;
  /** Longest delay between two attempts (default 1 hour). */
  maxDelayMs?: number;
  /** How long after its first attempt a delivery is given up (default 1 day). */
  lifetimeMs?: number;
  /** An endpoint that has not answered within this long has failed the attempt (default 10 s). */
  timeoutMs?: number;
  /** Events are dispatched once they are this old, so none committing late is skipped (default 2 s). */
  settleMs?: number;
  /** Attempts in flight at once (default 16). */
  concurrency?: number;
  resolve?: ResolveHost;
}

export interface Webhooks {
  stop(): Promise<void>;
}

const DISPATCH_BATCH = 500;

export function startWebhooks(options: WebhooksOptions): Webhooks {
  const { store, clock, secrets } = options;
  const log = options.log.child({ component: 'webhooks' });
  const pollMs = options.pollMs ?? 1000;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const concurrency = options.concurrency ?? 16;
  const policy: RetryPolicy = {
    backoffBaseMs: options.backoffBaseMs ?? 30_000,
    maxDelayMs: options.maxDelayMs ?? 3600_000,
    lifetimeMs: options.lifetimeMs ?? 24 * 3600_000,
  };
  // Long enough that an attempt always ends (by its timeout) before another sender may take it over.
  const leaseMs = Math.max(60_000, timeoutMs * 3);
  const agents = createDeliveryAgents(options.resolve);
  const stopping = new AbortController();
  const inFlight = new Set<Promise<void>>();

  const pause = (ms: number): Promise<void> => clock.sleep(ms, stopping.signal);

  async function dispatchLoop(): Promise<void> {
    while (!stopping.signal.aborted) {
      let read = 0;
      try {
        read = await dispatchEvents(store, clock, { settleMs: options.settleMs ?? 2000, batch: DISPATCH_BATCH });
      } catch (error) {
        log.error({ err: error }, 'could not turn events into webhook deliveries; trying again shortly');
      }
      if (read < DISPATCH_BATCH) await pause(pollMs);
    }
  }

  async function sendLoop(): Promise<void> {
    while (!stopping.signal.aborted) {
      const room = concurrency - inFlight.size;
      if (room <= 0) {
        await Promise.race(inFlight);
        continue;
      }
      let claimed: ClaimedDelivery[] = [];
      let allowPrivate = false;
      try {
        allowPrivate = await privateAddressesAllowed(store);
        claimed = await claimDeliveries(store, { now: clock.now(), limit: room, leaseMs });
      } catch (error) {
        log.error({ err: error }, 'could not claim webhook deliveries; trying again shortly');
      }
      if (claimed.length === 0) {
        await pause(pollMs);
        continue;
      }
      for (const delivery of claimed) {
        const running = send(delivery, allowPrivate).finally(() => inFlight.delete(running));
        inFlight.add(running);
      }
    }
  }

  async function send(delivery: ClaimedDelivery, allowPrivate: boolean): Promise<void> {
    try {
      const result = await attempt(delivery, allowPrivate);
      const status = await recordAttempt(store, delivery, result, clock.now(), policy);
      const facts = { delivery: delivery.id, webhook: delivery.webhook_id, type: delivery.event_type, attempt: delivery.attempts, code: result.statusCode };
      if (result.kind === 'delivered') log.debug(facts, 'webhook delivered');
      else log.warn({ ...facts, error: result.error, status }, status === 'failed' ? 'webhook delivery failed for good' : 'webhook attempt failed; will retry');
    } catch (error) {
      // A bug or a database error: the lease ends and the delivery is attempted again.
      log.error({ err: error, delivery: delivery.id }, 'webhook attempt could not be recorded; it is retried when its lease ends');
    }
  }

  function attempt(delivery: ClaimedDelivery, allowPrivate: boolean): Promise<AttemptResult> {
    let secret: string;
    try {
      secret = secrets.open(delivery.secret);
    } catch (error) {
      // Counted as a failed attempt, so a delivery whose secret cannot be read still ends when its lifetime does.
      return Promise.resolve({ kind: 'failed', statusCode: null, error: error instanceof Error ? error.message : String(error) });
    }
    return postDelivery({ id: delivery.id, url: delivery.url, secret, payload: delivery.payload }, clock.now(), { timeoutMs, allowPrivate, agents });
  }

  const done = Promise.all([dispatchLoop(), sendLoop()]);
  return {
    async stop() {
      stopping.abort();
      await done;
      await Promise.all(inFlight);
      agents.destroy();
    },
  };
}
