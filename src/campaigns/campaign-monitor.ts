/**
 * The campaign monitor, run by `serve` and `worker`: every second it expands started campaigns
 * not yet expanded, moves scheduled campaigns to sending when their first recipient is due, and
 * marks campaigns finished when nothing is left to send; then whatever `everyRound` adds (the
 * guardrail that pauses a campaign whose bounce or complaint rate is too high).
 */
import type { Logger } from 'pino';
import type { Store, CampaignRow } from '../store/index.js';
import type { Clock } from '../lib/clock.js';
import { advanceCampaigns, expandPending } from './change-campaign.js';

export interface CampaignMonitor {
  stop(): Promise<void>;
}

export interface MonitorDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  lifetimeMs: number;
  everyMs?: number;
  onFinished?: (campaign: CampaignRow) => void;
  /** Runs each round after the housekeeping (the deliverability guardrail). */
  everyRound?: () => Promise<void>;
}

export function startCampaignMonitor(deps: MonitorDeps): CampaignMonitor {
  const stopping = new AbortController();
  const everyMs = deps.everyMs ?? 1000;
  const run = (async () => {
    while (!stopping.signal.aborted) {
      try {
        await expandPending({ store: deps.store, clock: deps.clock, lifetimeMs: deps.lifetimeMs });
        for (const campaign of await advanceCampaigns(deps.store, deps.clock)) {
          deps.log.info({ campaign: campaign.id, name: campaign.name, total: campaign.total }, 'campaign finished');
          deps.onFinished?.(campaign);
        }
        await deps.everyRound?.();
      } catch (error) {
        deps.log.error({ err: error }, 'campaign monitor failed; trying again shortly');
      }
      await deps.clock.sleep(everyMs, stopping.signal).catch(() => undefined);
    }
  })();
  return {
    async stop() {
      stopping.abort();
      await run;
    },
  };
}
