/** Deliverability rows (per recipient domain, per server) as a table: how much mail, and how it fared. */
import type { ReactNode } from 'react';
import { formatNumber, formatPercent } from '../format';
import { ratesOf } from './deliverability-stats';
import type { DeliverabilityRow } from '../feedback-types';

export function DeliverabilityTable({ rows, nameHeader, nameOf, empty, label }: { rows: DeliverabilityRow[]; nameHeader: string; nameOf: (key: string | null) => ReactNode; empty: string; label: string }) {
  if (rows.length === 0) return <p className="state-empty">{empty}</p>;
  return (
    <div className="table-wrap">
      <table className="table deliverability-table" aria-label={label}>
        <thead>
          <tr>
            <th>{nameHeader}</th>
            <th className="num">Answered</th>
            <th className="num">Bounces</th>
            <th className="num">Complaints</th>
            <th className="num hide-phone">Opens</th>
            <th className="num hide-phone">Clicks</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => {
            const r = ratesOf(row);
            const name = nameOf(row.key);
            return (
              <tr key={row.key ?? ''}>
                <td className="truncate cell-group" title={typeof name === 'string' ? name : undefined}>
                  {name}
                </td>
                <td className="num">{formatNumber(row.attempted)}</td>
                <td className={`num ${row.bounced ? 'text-bad' : ''}`} title={`${formatNumber(row.hardBounced)} hard, ${formatNumber(row.softBounced)} soft`}>
                  {formatPercent(r.bounce)}
                </td>
                <td className={`num ${row.complained ? 'text-bad' : ''}`}>{formatPercent(r.complaint)}</td>
                <td className="num hide-phone">{formatPercent(r.open)}</td>
                <td className="num hide-phone">{formatPercent(r.click)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
