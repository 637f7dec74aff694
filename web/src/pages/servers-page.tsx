/** Outgoing servers in routing order, with their health and recent throughput, live. */
import { useCallback, useMemo } from 'react';
import { useApiGet } from '../use-api';
import { useRefreshOnEvents } from '../live-events';
import { Link } from '../router';
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
