/**
 * The outgoing servers in routing order, one group of rows per server: the server's row, then a
 * row for its Test Connection answer (empty until a test runs). The state (paused, unhealthy,
 * slowed down, inactive, active) and why come with each server; throughput comes from /stats,
 * and without it the table still shows every server.
 */
import { Link } from '../router';
import { formatAgo, formatAnswer, formatDateTime, formatNumber } from '../format';
import { StatusBadge } from './ui';
import { stateBadge, StateLine } from './server-state';
import { TestConnectionButton, TestConnectionResult, useConnectionTest } from './server-test-connection';
import type { ServerView, Stats } from '../types';

export type ServerActivity = Stats['servers'][number];

const SECURITY: Record<ServerView['security'], string> = { none: 'no TLS', starttls: 'STARTTLS', tls: 'TLS' };
const COLUMNS = 7;

/** What the server is, under its name: "SMTP · smtp.example.com:587 · STARTTLS", "Built-in delivery · MX port 25". */
export function kindSummary(s: ServerView): string {
  switch (s.kind) {
    case 'sandbox':
      return 'Sandbox · keeps mail in the Sandbox inbox';
    case 'direct':
      return `Built-in delivery · MX port ${s.port}${s.sourceAddresses.length ? ` · from ${s.sourceAddresses.join(', ')}` : ''}`;
    case 'gmail':
    case 'microsoft':
      return `${s.kind === 'gmail' ? 'Gmail' : 'Microsoft 365'} · ${s.account ?? 'no account'}${s.auth === 'password' ? ' · app password' : ''}`;
    default:
      return `SMTP · ${s.host}:${s.port} · ${SECURITY[s.security]}`;
  }
}

/** "no more than 4 at a time · 100/min · 2,000/h", or "no limits". */
export function limitsSummary(s: ServerView): string {
  const parts = [
    s.maxConcurrent !== null ? `no more than ${formatNumber(s.maxConcurrent)} at a time` : null,
    s.perMinute !== null ? `${formatNumber(s.perMinute)}/min` : null,
    s.perHour !== null ? `${formatNumber(s.perHour)}/h` : null,
    s.perDay !== null ? `${formatNumber(s.perDay)}/day` : null,
  ].filter((part): part is string => part !== null);
  return parts.length ? parts.join(' · ') : 'no limits';
}

/** The server's state; an active one whose recent attempts keep failing (from /stats) reads "failing". */
function badgeOf(s: ServerView, activity: ServerActivity | undefined): string {
  if (s.state === 'active' && activity?.health === 'failing') return 'failing';
  return stateBadge(s.state);
}

export function ServerTable({ servers, activity, statsShown }: { servers: ServerView[]; activity: Map<string, ServerActivity>; statsShown: boolean }) {
  return (
    <div className="table-wrap">
      <table className="table server-table">
        <thead>
          <tr>
            <th className="num" title="Lower numbers are preferred">
              Priority
            </th>
            <th>Server</th>
            <th>From filter</th>
            <th>Status</th>
            <th className="num">Sent 1 h / 24 h</th>
            <th className="num">Errors 24 h</th>
            <th>
              <span className="visually-hidden">Test</span>
            </th>
          </tr>
        </thead>
        {servers.map((server) => (
          <ServerRows key={server.id} server={server} activity={activity.get(server.id)} statsShown={statsShown} />
        ))}
      </table>
    </div>
  );
}

function ServerRows({ server: s, activity: a, statsShown }: { server: ServerView; activity: ServerActivity | undefined; statsShown: boolean }) {
  const test = useConnectionTest(s.id);
  const badge = badgeOf(s, a);
  const errors = a ? a.last24h.deferred + a.last24h.failed : 0;
  const lastError = a?.lastError ? formatAnswer(a.lastError.code, null, a.lastError.response) || 'no answer' : null;
  const limits = limitsSummary(s);
  const resultId = `server-test-${s.id}`;
  const shown = test.running || test.result !== null;
  return (
    <tbody className="server-group">
      <tr className="server-row" data-server-id={s.id}>
        <td className="num server-cell-priority" data-label="Priority">
          {s.priority}
        </td>
        <td className="server-cell-name">
          <Link className="row-link" to={`/servers/${encodeURIComponent(s.id)}`}>
            {s.name}
          </Link>
          <div className="muted small server-kind-line">{kindSummary(s)}</div>
          <div className="muted small servers-phone-only">From: {s.fromFilter || 'any'}</div>
          <StateLine server={s} className="servers-phone-only" />
          <div className="muted small">{limits === 'no limits' ? <span className="servers-phone-only">no limits</span> : limits}</div>
        </td>
        <td className="small server-cell-filter">{s.fromFilter ? s.fromFilter : <span className="muted">any</span>}</td>
        <td className="server-cell-status">
          <StatusBadge status={badge} />
          <StateLine server={s} className="servers-hide-phone" />
        </td>
        <td className="num nowrap server-cell-sent" data-label="Sent 1 h / 24 h">
          {a ? (
            <>
              {formatNumber(a.lastHour.sent)} <span className="muted">/</span> {formatNumber(a.last24h.sent)}
            </>
          ) : (
            <span className="muted" title={statsShown ? 'No activity' : 'Throughput is unavailable'}>
              —
            </span>
          )}
        </td>
        <td className="num server-cell-errors" data-label="Errors 24 h" title={a ? `${a.last24h.deferred} deferred, ${a.last24h.failed} failed in 24 h${lastError ? `\nLast error: ${lastError}` : ''}` : undefined}>
          {a ? errors ? <span className="text-bad">{formatNumber(errors)}</span> : <span className="muted">0</span> : <span className="muted">—</span>}
          {a?.lastError && lastError ? (
            <div className="muted small server-last-error" title={`${lastError} (${formatDateTime(a.lastError.at)})`}>
              {formatAgo(a.lastError.at)}: {lastError}
            </div>
          ) : null}
        </td>
        <td className="actions server-cell-test">
          <TestConnectionButton test={test} small resultId={resultId} />
        </td>
      </tr>
      <tr className={`server-test-row ${shown ? '' : 'server-test-row-empty'}`}>
        <td colSpan={COLUMNS}>
          <TestConnectionResult test={test} id={resultId} onDismiss={test.clear} />
        </td>
      </tr>
    </tbody>
  );
}
