/**
 * Outcomes per hour as stacked bars (sent at the bottom, then deferred, then failed), drawn as
 * plain SVG at the width it is shown at so its labels stay readable on a phone. Screen readers
 * get a summary (role="img" + aria-label) and the numbers as a table.
 */
import { useWidth } from './use-width';
import { formatNumber } from '../format';
import type { OutcomeCounts, Stats } from '../types';

type Bucket = Stats['buckets'][number];
const OUTCOMES: Array<{ key: keyof OutcomeCounts; label: string; colour: string }> = [
  { key: 'sent', label: 'Sent', colour: '#2f9e63' },
  { key: 'deferred', label: 'Deferred', colour: '#e0a030' },
  { key: 'failed', label: 'Failed', colour: '#d64545' },
];

const HEIGHT = 200;
const PAD = { top: 10, right: 8, bottom: 24, left: 36 };
const hourLabel = new Intl.DateTimeFormat(undefined, { hour: 'numeric' });
const hourRange = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

const total = (b: OutcomeCounts): number => b.sent + b.deferred + b.failed;

/** Gridlines every 1, 2 or 5 × 10ⁿ messages, at most four of them above zero, the top one at or above `n`. */
function scale(n: number): { top: number; ticks: number[] } {
  const raw = Math.max(1, n / 4);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
  const top = Math.max(step, Math.ceil(n / step) * step);
  return { top, ticks: Array.from({ length: Math.round(top / step) + 1 }, (_, i) => i * step) };
}

/**
 * `bucketMs` is each bar's span (an hour on the dashboard; minutes for a short campaign); `period`
 * names the whole range in the summary ("last 24 hours", "since the campaign started").
 */
export function ActivityChart({ buckets, totals, hours = 24, bucketMs = 3_600_000, period }: { buckets: Bucket[]; totals: OutcomeCounts; hours?: number; bucketMs?: number; period?: string }) {
  const perHour = bucketMs >= 3_600_000;
  const unit = perHour ? 'hour' : `${Math.round(bucketMs / 60_000)} minutes`.replace(/^1 minutes$/, 'minute');
  const range = period ?? `last ${hours} hours`;
  const axisLabel = perHour ? hourLabel : hourRange;
  const [ref, width] = useWidth(720);
  const plotWidth = width - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const { top, ticks } = scale(Math.max(4, ...buckets.map(total)));
  const slot = buckets.length ? plotWidth / buckets.length : plotWidth;
  const barWidth = Math.min(56, Math.max(2, slot * 0.72));
  const labelEvery = Math.max(1, Math.ceil(buckets.length / Math.max(2, Math.floor(width / (perHour ? 60 : 80)))));
  const y = (n: number) => PAD.top + plotHeight - (n / top) * plotHeight;
  const busiest = buckets.reduce<Bucket | null>((best, b) => (total(b) > (best ? total(best) : 0) ? b : best), null);
  const summary =
    `Messages per ${unit}, ${range}: ${formatNumber(totals.sent)} sent, ${formatNumber(totals.deferred)} deferred, ${formatNumber(totals.failed)} failed.` +
    (busiest ? ` Busiest ${perHour ? 'hour' : 'period'} starting ${hourRange.format(new Date(busiest.start))} with ${formatNumber(total(busiest))}.` : '');

  return (
    <div className="activity">
      <div ref={ref} className="activity-plot">
        <svg className="chart" width={width} height={HEIGHT} viewBox={`0 0 ${width} ${HEIGHT}`} role="img" aria-label={summary}>
          {ticks.map((tick) => (
            <g key={tick}>
              <line x1={PAD.left} x2={width - PAD.right} y1={y(tick)} y2={y(tick)} stroke={tick === 0 ? '#c5cbd4' : '#e6e9ee'} />
              <text x={PAD.left - 6} y={y(tick)} dy="0.32em" textAnchor="end">
                {formatNumber(tick)}
              </text>
            </g>
          ))}
          {buckets.map((b, i) => {
            const x = PAD.left + i * slot + (slot - barWidth) / 2;
            let base = 0;
            return (
              <g key={b.start}>
                <title>{`${hourRange.format(new Date(b.start))}: ${b.sent} sent, ${b.deferred} deferred, ${b.failed} failed`}</title>
                {/* A full-height strip so the hour's tooltip shows even where there is no bar. */}
                <rect x={PAD.left + i * slot} y={PAD.top} width={slot} height={plotHeight} fill="transparent" />
                {OUTCOMES.map(({ key, colour }) => {
                  const n = b[key];
                  if (n === 0) return null;
                  const rect = <rect key={key} x={x} y={y(base + n)} width={barWidth} height={y(base) - y(base + n)} fill={colour} />;
                  base += n;
                  return rect;
                })}
                {i % labelEvery === 0 ? (
                  <text x={PAD.left + i * slot + slot / 2} y={HEIGHT - 6} textAnchor="middle">
                    {axisLabel.format(new Date(b.start))}
                  </text>
                ) : null}
              </g>
            );
          })}
          {total(totals) === 0 ? (
            <text x={PAD.left + plotWidth / 2} y={PAD.top + plotHeight / 2} textAnchor="middle" className="activity-empty">
              No messages {range}
            </text>
          ) : null}
        </svg>
      </div>
      <p className="legend activity-legend">
        {OUTCOMES.map(({ key, label }) => (
          <span key={key} className={`swatch-${key}`}>
            {label} <strong>{formatNumber(totals[key])}</strong>
          </span>
        ))}
      </p>
      <table className="visually-hidden">
        <caption>Messages per {unit}</caption>
        <thead>
          <tr>
            <th scope="col">Starting</th>
            {OUTCOMES.map(({ key, label }) => (
              <th key={key} scope="col">
                {label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {buckets.map((b) => (
            <tr key={b.start}>
              <th scope="row">{hourRange.format(new Date(b.start))}</th>
              <td>{b.sent}</td>
              <td>{b.deferred}</td>
              <td>{b.failed}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
