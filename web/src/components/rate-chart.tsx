/**
 * Rates per day as lines (a dot on each day that had mail; a gap where a day had none), drawn as
 * plain SVG at the width it is shown at, like the activity chart. Screen readers get a summary
 * (role="img" + aria-label) and the numbers as a table.
 */
import { useWidth } from './use-width';
import { formatPercent } from '../format';

export interface RateSeries {
  label: string;
  colour: string;
  /** One per day; null where the day had nothing to divide by. */
  values: Array<number | null>;
  /** The rate over the whole period, for the legend. */
  total: number | null;
}

const HEIGHT = 170;
const PAD = { top: 10, right: 10, bottom: 24, left: 44 };
const dayLabel = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });
const dayName = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' });
const dateOf = (day: string): Date => new Date(`${day}T00:00:00Z`);

/**
 * Up to `minTop`: gridlines at 0, half of it and it. Above: every 1, 2 or 5 × 10ⁿ percent, at
 * most four above zero, the top one at or above `rate`.
 */
function scale(rate: number, minTop: number): { top: number; ticks: number[] } {
  if (rate <= minTop) return { top: minTop, ticks: [0, minTop / 2, minTop] };
  const n = rate;
  const raw = n / 4;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * power >= raw - 1e-12) ?? 10) * power;
  const top = Math.max(step, Math.ceil(n / step - 1e-9) * step);
  return { top, ticks: Array.from({ length: Math.round(top / step) + 1 }, (_, i) => i * step) };
}

/**
 * `days` are UTC dates (YYYY-MM-DD), `series` their rates; `minTop` keeps small rates looking
 * small (a 0.4 % bounce rate on a 5 % scale, not filling the chart).
 */
export function RateChart({ days, series, minTop, title }: { days: string[]; series: RateSeries[]; minTop: number; title: string }) {
  const [ref, width] = useWidth(480, 220);
  const plotWidth = width - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const highest = Math.max(0, ...series.flatMap((s) => s.values.filter((v): v is number => v !== null)));
  const { top, ticks } = scale(highest, minTop);
  const slot = days.length ? plotWidth / days.length : plotWidth;
  const x = (i: number) => PAD.left + i * slot + slot / 2;
  const y = (rate: number) => PAD.top + plotHeight - (Math.min(rate, top) / top) * plotHeight;
  const labelEvery = Math.max(1, Math.ceil(days.length / Math.max(2, Math.floor(width / 70))));
  const empty = series.every((s) => s.values.every((v) => v === null));
  const summary = `${title}, per day from ${days[0] ? dayName.format(dateOf(days[0])) : ''} to ${days.at(-1) ? dayName.format(dateOf(days.at(-1)!)) : ''}: ${series.map((s) => `${s.label} ${formatPercent(s.total)}`).join(', ')} over the period.`;

  return (
    <div className="rate-chart">
      <h3 className="rate-chart-title">{title}</h3>
      <div ref={ref} className="activity-plot">
        <svg className="chart" width={width} height={HEIGHT} viewBox={`0 0 ${width} ${HEIGHT}`} role="img" aria-label={summary}>
          {ticks.map((tick) => (
            <g key={tick}>
              <line x1={PAD.left} x2={width - PAD.right} y1={y(tick)} y2={y(tick)} stroke={tick === 0 ? '#c5cbd4' : '#e6e9ee'} />
              <text x={PAD.left - 6} y={y(tick)} dy="0.32em" textAnchor="end">
                {formatPercent(tick)}
              </text>
            </g>
          ))}
          {days.map((day, i) => (
            <g key={day}>
              <title>{`${dayName.format(dateOf(day))}: ${series.map((s) => `${s.label} ${formatPercent(s.values[i] ?? null)}`).join(', ')}`}</title>
              {/* A full-height strip so the day's tooltip shows even where there is no dot. */}
              <rect x={PAD.left + i * slot} y={PAD.top} width={slot} height={plotHeight} fill="transparent" />
              {i % labelEvery === 0 ? (
                <text x={x(i)} y={HEIGHT - 6} textAnchor="middle">
                  {dayLabel.format(dateOf(day))}
                </text>
              ) : null}
            </g>
          ))}
          {series.map((s) => (
            <g key={s.label} className="rate-line" pointerEvents="none">
              <path d={pathOf(s.values, x, y)} fill="none" stroke={s.colour} strokeWidth={2} strokeLinejoin="round" strokeLinecap="round" />
              {s.values.map((v, i) => (v === null ? null : <circle key={i} cx={x(i)} cy={y(v)} r={3} fill={s.colour} />))}
            </g>
          ))}
          {empty ? (
            <text x={PAD.left + plotWidth / 2} y={PAD.top + plotHeight / 2} textAnchor="middle" className="activity-empty">
              No answered mail in this period
            </text>
          ) : null}
        </svg>
      </div>
      <p className="legend rate-legend">
        {series.map((s) => (
          <span key={s.label} style={{ ['--swatch' as string]: s.colour }}>
            {s.label} <strong>{formatPercent(s.total)}</strong>
          </span>
        ))}
      </p>
      <table className="visually-hidden">
        <caption>{title} per day</caption>
        <thead>
          <tr>
            <th scope="col">Day</th>
            {series.map((s) => (
              <th key={s.label} scope="col">
                {s.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {days.map((day, i) => (
            <tr key={day}>
              <th scope="row">{dayName.format(dateOf(day))}</th>
              {series.map((s) => (
                <td key={s.label}>{formatPercent(s.values[i] ?? null)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** An SVG path through the days that have a value; a day without one breaks the line. */
function pathOf(values: Array<number | null>, x: (i: number) => number, y: (v: number) => number): string {
  let d = '';
  let drawing = false;
  values.forEach((v, i) => {
    if (v === null) {
      drawing = false;
      return;
    }
    d += `${drawing ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
    drawing = true;
  });
  return d;
}
