/**
 * What routing makes of a server now: its state as a badge and the one line that says why
 * ("paused until … because: 421 4.7.0 …"), how much of its quotas the current windows used, and
 * for built-in delivery the destinations their own answers paused or slowed down.
 */
import { formatDateTime, formatNumber, formatTime } from '../format';
import { StatusBadge } from './ui';
import type { QuotaUsage, ServerView } from '../types';

/** The badge's word: "slowed" reads "slowed down". */
export const stateBadge = (state: ServerView['state'] | 'slowed' | 'paused'): string => (state === 'slowed' ? 'slowed_down' : state);

/** The reason under the badge, for any state but active. */
export function StateLine({ server: s, className = '' }: { server: ServerView; className?: string }) {
  if (s.state === 'active') return null;
  const until = s.state === 'paused' ? s.pausedUntil : s.state === 'slowed' ? s.throttleUntil : null;
  return (
    <div className={className}>
      <div className={`small server-state-text server-state-${s.state}`} title={until ? `${s.stateText}\n(${formatDateTime(until)} here)` : s.stateText}>
        {s.stateText}
      </div>
    </div>
  );
}

const WINDOW_NAMES: Record<QuotaUsage['window'], string> = { minute: 'this minute', hour: 'this hour', day: 'today' };

/** The server page's status card: state, quotas used, throttled destinations. */
export function ServerStatus({ server: s }: { server: ServerView }) {
  const quotas = s.quotas ?? [];
  const destinations = s.destinations ?? [];
  const tone = s.state === 'active' ? '' : s.state === 'unhealthy' ? 'note-error' : s.state === 'inactive' ? '' : 'note-warn';
  return (
    <section className="card server-status" aria-label="Status">
      <div className={`note server-status-line ${tone}`}>
        <span>
          <StatusBadge status={stateBadge(s.state)} /> <span className="server-status-text">{s.state !== 'active' ? s.stateText : s.auth === 'oauth2' && !s.oauthConnected ? 'active, but nothing goes out until the account is connected.' : 'Routing sends mail through this server.'}</span>
          {s.state === 'paused' || s.state === 'slowed' || s.state === 'unhealthy' ? <span className="muted"> Saving the server lifts it.</span> : null}
        </span>
      </div>
      {quotas.length ? (
        <ul className="server-quota-list" aria-label="Quotas">
          {quotas.map((q) => (
            <li key={q.window} className={q.used >= q.limit ? 'server-quota-full' : ''}>
              <meter min={0} max={q.limit} value={q.used} aria-hidden="true" />
              <span>
                used {formatNumber(q.used)} of {formatNumber(q.limit)} {WINDOW_NAMES[q.window]}, resets {formatTime(q.resetsAt)}
              </span>
            </li>
          ))}
        </ul>
      ) : null}
      {s.kind === 'direct' ? <Destinations destinations={destinations} /> : null}
    </section>
  );
}

function Destinations({ destinations }: { destinations: NonNullable<ServerView['destinations']> }) {
  if (destinations.length === 0) return <p className="muted small server-destinations-none">No destination is paused or slowed down.</p>;
  return (
    <div className="table-wrap server-destinations">
      <table className="table">
        <caption className="visually-hidden">Paused or slowed destinations</caption>
        <thead>
          <tr>
            <th>Destination</th>
            <th>State</th>
            <th>Until</th>
            <th>Reason</th>
          </tr>
        </thead>
        <tbody>
          {destinations.map((d) => (
            <tr key={d.destination} data-destination={d.destination}>
              <td className="server-destination-name">{d.destination}</td>
              <td className="nowrap">
                <StatusBadge status={stateBadge(d.state)} />
                {d.state === 'slowed' && d.rate !== null ? <div className="muted small">at most {formatNumber(d.rate)}/min</div> : null}
              </td>
              <td className="nowrap small" title={formatDateTime(d.until)}>
                {formatTime(d.until)}
              </td>
              <td className="small server-destination-reason">{d.reason || <span className="muted">—</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
