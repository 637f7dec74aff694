/**
 * Deliverability numbers as stat blocks: delivered, hard and soft bounce rate, complaint rate,
 * unique human open rate, click rate, click-to-open and unsubscribe rate, and — apart, in none of
 * the rates — the opens and clicks of machines (privacy proxies, link scanners). The dashboard
 * shows them for a period, the campaign page for one campaign.
 */
import { formatNumber, formatPercent } from '../format';
import type { DeliverabilityCounts, DeliverabilityRow } from '../feedback-types';

const COUNT_KEYS: Array<keyof DeliverabilityCounts> = ['attempted', 'delivered', 'bounced', 'hardBounced', 'softBounced', 'complained', 'opened', 'clicked', 'unsubscribed', 'machineOpened', 'machineClicked'];

/** A rate whose denominator is zero is unknown, not 0 %. */
const over = (n: number, of: number): number | null => (of > 0 ? n / of : null);

/**
 * Several rows (the days of a period) summed into one. Each recipient is counted in one day only,
 * so the counts add up; the rates are recomputed the way the API computes them
 * (src/feedback/deliverability.ts): bounces over attempted, the rest over delivered.
 */
export function sumRows(rows: DeliverabilityRow[]): DeliverabilityCounts {
  const total = Object.fromEntries(COUNT_KEYS.map((k) => [k, 0])) as unknown as DeliverabilityCounts;
  for (const row of rows) for (const k of COUNT_KEYS) total[k] += row[k];
  return total;
}

export interface KnownRates {
  delivery: number | null;
  bounce: number | null;
  hardBounce: number | null;
  softBounce: number | null;
  complaint: number | null;
  open: number | null;
  click: number | null;
  clickToOpen: number | null;
  unsubscribe: number | null;
}

export function ratesOf(c: DeliverabilityCounts): KnownRates {
  return {
    delivery: over(c.delivered, c.attempted),
    bounce: over(c.bounced, c.attempted),
    hardBounce: over(c.hardBounced, c.attempted),
    softBounce: over(c.softBounced, c.attempted),
    complaint: over(c.complained, c.delivered),
    open: over(c.opened, c.delivered),
    click: over(c.clicked, c.delivered),
    clickToOpen: over(c.clicked, c.opened),
    unsubscribe: over(c.unsubscribed, c.delivered),
  };
}

interface Block {
  id: string;
  label: string;
  value: string;
  note: string;
  tone?: 'good' | 'bad';
}

/** "1 complaint", "3 complaints". */
const many = (n: number, one: string, more: string): string => `${formatNumber(n)} ${n === 1 ? one : more}`;

export function DeliverabilityStats({ counts, openTracking = true }: { counts: DeliverabilityCounts; openTracking?: boolean }) {
  const r = ratesOf(counts);
  const n = formatNumber;
  const blocks: Block[] = [
    { id: 'delivered', label: 'Delivered', value: n(counts.delivered), note: `${formatPercent(r.delivery)} of ${n(counts.attempted)} answered`, tone: 'good' },
    { id: 'hard-bounce', label: 'Hard bounce rate', value: formatPercent(r.hardBounce), note: many(counts.hardBounced, 'hard bounce', 'hard bounces'), tone: counts.hardBounced ? 'bad' : undefined },
    { id: 'soft-bounce', label: 'Soft bounce rate', value: formatPercent(r.softBounce), note: many(counts.softBounced, 'soft bounce', 'soft bounces') },
    { id: 'complaint', label: 'Complaint rate', value: formatPercent(r.complaint), note: many(counts.complained, 'complaint', 'complaints'), tone: counts.complained ? 'bad' : undefined },
    { id: 'open', label: 'Open rate', value: openTracking ? formatPercent(r.open) : '—', note: openTracking ? `${many(counts.opened, 'person', 'people')} opened` : 'opens not tracked' },
    { id: 'click', label: 'Click rate', value: formatPercent(r.click), note: `${many(counts.clicked, 'person', 'people')} clicked` },
    { id: 'click-to-open', label: 'Click-to-open', value: formatPercent(r.clickToOpen), note: 'of those who opened' },
    { id: 'unsubscribe', label: 'Unsubscribe rate', value: formatPercent(r.unsubscribe), note: `${n(counts.unsubscribed)} unsubscribed` },
  ];
  return (
    <>
      <div className="deliverability-stats">
        {blocks.map((b) => (
          <div key={b.id} className={`stat ${b.tone ? `stat-tone-${b.tone}` : ''}`} data-testid={`rate-${b.id}`}>
            <span className="stat-label">{b.label}</span>
            <span className="stat-value">{b.value}</span>
            <span className="small muted">{b.note}</span>
          </div>
        ))}
      </div>
      <p className="small muted machine-note" data-testid="machine-engagement">
        Machine opens: <strong>{n(counts.machineOpened)}</strong> · machine clicks: <strong>{n(counts.machineClicked)}</strong> — privacy proxies and link scanners, not counted in the rates.
      </p>
    </>
  );
}
