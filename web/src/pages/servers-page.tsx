/**
 * Outgoing servers in routing order, with their state and recent throughput, live. Coming back
 * from an OAuth sign-in (`?connected=NAME`, `?oauth_error=REASON&server=NAME`) shows how it went;
 * on a fresh install (only the Sandbox) it offers built-in delivery.
 */
import { useCallback, useMemo } from 'react';
import { useApiGet } from '../use-api';
import { useRefreshOnEvents } from '../live-events';
import { Link, setSearch, useLocation } from '../router';
import { Empty, ErrorNote, Loading, Page } from '../components/ui';
import { ServerTable, type ServerActivity } from '../components/server-table';
import type { EventView, ServerView, Stats } from '../types';

/** Outcomes that change a server's counts or health. */
const DELIVERY_EVENTS = new Set(['sent', 'deferred', 'failed', 'bounced', 'expired']);
const touchesServers = (event: EventView): boolean => event.server !== null || DELIVERY_EVENTS.has(event.type);

export function ServersPage() {
  const servers = useApiGet<{ servers: ServerView[] }>('/servers');
  const stats = useApiGet<Stats>('/stats?hours=24');
  const { reload: reloadServers } = servers;
  const { reload: reloadStats } = stats;
  // Throughput and pauses change with every attempt: reload both, at most every 2 s.
  const refresh = useCallback(() => {
    reloadStats();
    reloadServers();
  }, [reloadStats, reloadServers]);
  useRefreshOnEvents(refresh, touchesServers, 2000);
  const activity = useMemo(() => new Map<string, ServerActivity>((stats.data?.servers ?? []).map((s) => [s.id, s])), [stats.data]);
  const list = servers.data?.servers ?? null;

  return (
    <Page
      title="Servers"
      subtitle="In routing order: a message goes to the active server whose From filter matches its sender most closely (an address, then a domain, then any); among equals, the lowest priority number wins."
      actions={
        <Link className="btn btn-primary" to="/servers/new">
          Add server
        </Link>
      }
    >
      <OAuthOutcome />
      {list && list.length === 1 && list[0]!.kind === 'sandbox' ? <SandboxOnly /> : null}
      <div className="card flush">
        {stats.error && !stats.data ? (
          <p className="note note-warn servers-stats-note">
            <span>Health and throughput are unavailable right now ({stats.error}).</span>
            <button type="button" className="btn btn-small" onClick={stats.reload}>
              Try again
            </button>
          </p>
        ) : null}
        {servers.error && !list ? <ErrorNote error={servers.error} onRetry={servers.reload} /> : null}
        {!list && !servers.error ? <Loading what="Loading servers" /> : null}
        {list && list.length === 0 ? (
          <Empty>
            No outgoing servers yet. <Link to="/servers/new">Add one</Link> to start delivering mail.
          </Empty>
        ) : null}
        {list && list.length > 0 ? <ServerTable servers={list} activity={activity} statsShown={stats.data !== null} /> : null}
      </div>
      {list && list.length > 0 ? (
        <p className="muted small servers-legend">
          Sent and errors count attempts in the last hour and the last 24 hours; errors are deferred and failed attempts. Test Connection connects, starts TLS and signs in, then quits without sending.
        </p>
      ) : null}
    </Page>
  );
}

/** The outcome of an OAuth sign-in, until dismissed. */
function OAuthOutcome() {
  const search = useLocation().search;
  const connected = search.get('connected');
  const failure = search.get('oauth_error');
  const server = search.get('server');
  if (!connected && !failure) return null;
  const dismiss = () => setSearch({ connected: undefined, oauth_error: undefined, server: undefined }, { replace: true });
  return (
    <div className={`note ${connected ? 'note-ok' : 'note-error'} servers-oauth-outcome`} role={connected ? 'status' : 'alert'}>
      <span>
        {connected ? (
          <>
            <strong>Server {connected} is connected</strong>: Postroom can send as its account now.
          </>
        ) : (
          <>
            <strong>{server ? `Server ${server} could not be connected` : 'The account could not be connected'}</strong>: {failure}
          </>
        )}
      </span>
      <button type="button" className="btn btn-small" onClick={dismiss}>
        Dismiss
      </button>
    </div>
  );
}

/** A fresh install sends only to the Sandbox: say how to send for real. */
function SandboxOnly() {
  return (
    <div className="note servers-sandbox-only">
      <span>
        <strong>Mail stays in the Sandbox for now.</strong> Built-in delivery sends it straight to the recipients’ mail servers, with no relay or account to set up.
      </span>
      <Link className="btn btn-primary btn-small" to="/servers/new?kind=direct">
        Send for real with built-in delivery
      </Link>
    </div>
  );
}
