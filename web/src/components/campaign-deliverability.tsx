/**
 * One campaign's deliverability (GET /deliverability?by=campaign&campaign=ID): delivered, bounce,
 * complaint, open, click, click-to-open and unsubscribe rates, machine opens and clicks apart.
 * Reloaded every few seconds while the campaign sends, as bounces and opens come in.
 */
import { useEffect } from 'react';
import { query } from '../api';
import { useApiGet } from '../use-api';
import { Card, ErrorNote, Loading } from './ui';
import { DeliverabilityStats, sumRows } from './deliverability-stats';
import type { Deliverability } from '../feedback-types';

const RELOAD_MS = 5000;

export function CampaignDeliverability({ id, live, version, trackOpens, trackClicks }: { id: string; live: boolean; version: number; trackOpens?: boolean | undefined; trackClicks?: boolean | undefined }) {
  const numbers = useApiGet<Deliverability>(`/deliverability${query({ by: 'campaign', campaign: id })}`);
  const { reload } = numbers;
  useEffect(() => {
    if (version > 0) reload();
  }, [version, reload]);
  useEffect(() => {
    if (!live) return;
    const timer = window.setInterval(reload, RELOAD_MS);
    return () => window.clearInterval(timer);
  }, [live, reload]);
  const counts = numbers.data ? sumRows(numbers.data.rows) : null;
  const untracked = [trackOpens === false ? 'opens' : null, trackClicks === false ? 'clicks' : null].filter(Boolean);

  return (
    <Card title="Deliverability" className="campaign-deliverability">
      {numbers.error ? <ErrorNote error={`Could not load the deliverability numbers: ${numbers.error}`} onRetry={reload} /> : null}
      {!counts && numbers.loading ? <Loading what="Loading deliverability" /> : null}
      {counts ? (
        counts.attempted === 0 ? (
          <p className="muted">No answers yet: the numbers appear as recipients are sent to.</p>
        ) : (
          <DeliverabilityStats counts={counts} openTracking={trackOpens !== false} />
        )
      ) : null}
      {untracked.length ? <p className="small muted">This campaign does not track {untracked.join(' or ')}.</p> : null}
    </Card>
  );
}
