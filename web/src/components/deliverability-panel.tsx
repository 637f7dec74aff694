/**
 * The dashboard's deliverability: over the last 7 or 30 days (UTC days, as the API groups them),
 * the rates of the period, bounce and complaint rate and open and click rate per day, and the
 * same numbers per recipient domain (the ten busiest) and per server.
 */
import { useMemo, useState } from 'react';
import { query } from '../api';
import { useApiGet } from '../use-api';
import { useRefreshOnEvents } from '../live-events';
import { Card, ErrorNote, Loading } from './ui';
import { DeliverabilityStats, ratesOf, sumRows } from './deliverability-stats';
import { DeliverabilityTable } from './deliverability-table';
import { RateChart, type RateSeries } from './rate-chart';
import type { Deliverability, DeliverabilityRow } from '../feedback-types';

const PERIODS = [7, 30] as const;
type Period = (typeof PERIODS)[number];
const TOP_DOMAINS = 10;
const DAY_MS = 86_400_000;
/** What changes the numbers; they are reloaded at most every few seconds while such events come. */
const FEEDBACK = new Set(['sent', 'failed', 'bounced', 'complained', 'opened', 'clicked', 'unsubscribed']);

/** The UTC days of the period, oldest first, ending today. */
function daysOf(period: Period, now = Date.now()): string[] {
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  return Array.from({ length: period }, (_, i) => new Date(today - (period - 1 - i) * DAY_MS).toISOString().slice(0, 10));
}

export function DeliverabilityPanel({ serverName }: { serverName: ((id: string) => string) | null }) {
  const [period, setPeriod] = useState<Period>(7);
  const days = useMemo(() => daysOf(period), [period]);
  const since = `${days[0]}T00:00:00.000Z`;
  const byDay = useApiGet<Deliverability>(`/deliverability${query({ by: 'day', since })}`);
  const byDomain = useApiGet<Deliverability>(`/deliverability${query({ by: 'domain', since })}`);
  const byServer = useApiGet<Deliverability>(serverName ? `/deliverability${query({ by: 'server', since })}` : null);
  useRefreshOnEvents(
    () => {
      byDay.reload();
      byDomain.reload();
      if (serverName) byServer.reload();
    },
    (event) => FEEDBACK.has(event.type),
    5000,
  );

  const rows = byDay.data?.rows ?? null;
  const perDay = new Map((rows ?? []).map((row) => [row.key, row]));
  const total = rows ? sumRows(rows) : null;
  const totalRates = total ? ratesOf(total) : null;
  const series = (label: string, colour: string, rate: (row: DeliverabilityRow) => number | null, periodRate: number | null): RateSeries => ({
    label,
    colour,
    values: days.map((day) => {
      const row = perDay.get(day);
      return row ? rate(row) : null;
    }),
    total: periodRate,
  });
  const domains = [...(byDomain.data?.rows ?? [])].sort((a, b) => b.attempted - a.attempted || String(a.key).localeCompare(String(b.key))).slice(0, TOP_DOMAINS);
  const servers = [...(byServer.data?.rows ?? [])].sort((a, b) => b.attempted - a.attempted);

  return (
    <>
      <Card title="Deliverability" className="deliverability-panel" actions={<PeriodSwitch period={period} onChange={setPeriod} />}>
        <p className="muted small deliverability-intro">
          Mail answered in the last {period} days (by UTC day): bounces over the mail answered, complaints, opens, clicks and unsubscribes over the mail delivered. Opens and
          clicks are people&rsquo;s, each counted once.
        </p>
        {byDay.error ? <ErrorNote error={`Could not load the deliverability numbers: ${byDay.error}`} onRetry={byDay.reload} /> : null}
        {!rows && byDay.loading ? <Loading what="Loading deliverability" /> : null}
        {total && totalRates ? (
          <>
            <DeliverabilityStats counts={total} />
            <div className="grid grid-2 deliverability-charts">
              <RateChart
                title="Bounces and complaints"
                minTop={0.05}
                days={days}
                series={[
                  series('Bounce rate', '#d64545', (r) => ratesOf(r).bounce, totalRates.bounce),
                  series('Complaint rate', '#8e44ad', (r) => ratesOf(r).complaint, totalRates.complaint),
                ]}
              />
              <RateChart
                title="Opens and clicks"
                minTop={0.1}
                days={days}
                series={[
                  series('Open rate', '#2453c6', (r) => ratesOf(r).open, totalRates.open),
                  series('Click rate', '#2f9e63', (r) => ratesOf(r).click, totalRates.click),
                ]}
              />
            </div>
          </>
        ) : null}
      </Card>
      <div className={serverName ? 'grid grid-2' : undefined}>
        <Card title="By recipient domain" className="flush deliverability-groups" actions={<span className="muted small">the {TOP_DOMAINS} busiest</span>}>
          {byDomain.error ? <ErrorNote error={byDomain.error} onRetry={byDomain.reload} /> : null}
          {byDomain.data ? (
            <DeliverabilityTable label={`The ${TOP_DOMAINS} busiest recipient domains`} rows={domains} nameHeader="Domain" nameOf={(key) => key ?? '—'} empty={`No answered mail in the last ${period} days.`} />
          ) : byDomain.loading ? (
            <Loading what="Loading domains" />
          ) : null}
        </Card>
        {serverName ? (
          <Card title="By server" className="flush deliverability-groups">
            {byServer.error ? <ErrorNote error={byServer.error} onRetry={byServer.reload} /> : null}
            {byServer.data ? (
              <DeliverabilityTable label="Deliverability per server" rows={servers} nameHeader="Server" nameOf={(key) => (key ? serverName(key) : <span className="muted">no server</span>)} empty={`No answered mail in the last ${period} days.`} />
            ) : byServer.loading ? (
              <Loading what="Loading servers" />
            ) : null}
          </Card>
        ) : null}
      </div>
    </>
  );
}

function PeriodSwitch({ period, onChange }: { period: Period; onChange: (p: Period) => void }) {
  return (
    <div className="segmented" role="group" aria-label="Period">
      {PERIODS.map((p) => (
        <button key={p} type="button" className="btn btn-small" aria-pressed={p === period} onClick={() => onChange(p)}>
          {p} days
        </button>
      ))}
    </div>
  );
}
