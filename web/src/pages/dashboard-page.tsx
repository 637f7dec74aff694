/** The dashboard: the last 24 hours at a glance, the queue, deliverability over days, each server's health, and a test send. */
import { useEffect, useState } from 'react';
import { useApiGet } from '../use-api';
import { useRefreshOnEvents } from '../live-events';
import { useUser } from '../session';
import { DmarcFromWarning } from '../components/dmarc-from-warning';
import { Link } from '../router';
import { formatAgo, formatAnswer, formatDateTime, formatNumber } from '../format';
import { Card, Empty, ErrorNote, Loading, Page, StatusBadge } from '../components/ui';
import { ActivityChart } from '../components/activity-chart';
import { SendTestForm } from '../components/send-test-form';
import { DeliverabilityPanel } from '../components/deliverability-panel';
import type { Stats } from '../types';

const HOURS = 24;
const COUNTED = new Set(['queued', 'sent', 'deferred', 'failed', 'cancelled', 'retried', 'expired', 'bounced', 'suppressed']);

export function DashboardPage() {
  const user = useUser();
  const stats = useApiGet<Stats>(`/stats?hours=${HOURS}`);
  useRefreshOnEvents(stats.reload, (event) => COUNTED.has(event.type), 1000);
  // The window moves and "oldest due" ages even when nothing happens.
  useEffect(() => {
    const timer = window.setInterval(stats.reload, 60_000);
    return () => window.clearInterval(timer);
  }, [stats.reload]);
  const data = stats.data;
  const serverNames = new Map((data?.servers ?? []).map((s) => [s.id, s.name]));

  return (
    <Page title="Dashboard" subtitle={`Delivery over the last ${HOURS} hours. Numbers update as messages are sent.`} actions={<EnableNotificationsButton />}>
      <DmarcFromWarning from={user.email} />
      {stats.error ? <ErrorNote error={`${data ? 'Could not refresh the numbers' : 'Could not load the numbers'}: ${stats.error}`} onRetry={stats.reload} /> : null}
      {!data && stats.loading ? <Loading what="Loading the numbers" /> : null}
      {data ? (
        <>
          <div className="grid grid-4 dash-stats">
            <StatCard label="Sent" value={data.totals.sent} note={`last ${HOURS} hours`} tone="sent" />
            <StatCard label="Deferred" value={data.totals.deferred} note={`last ${HOURS} hours`} tone="deferred" />
            <StatCard label="Failed" value={data.totals.failed} note={`last ${HOURS} hours`} tone="failed" />
            <QueueCard queue={data.queue} />
          </div>
          <Card title={`Last ${HOURS} hours`} actions={<Link to="/emails">All messages</Link>}>
            <ActivityChart buckets={data.buckets} totals={data.totals} hours={HOURS} />
          </Card>
        </>
      ) : null}
      <DeliverabilityPanel serverName={user.role === 'admin' ? (id) => serverNames.get(id) ?? id : null} />
      <div className="grid grid-2">
        {user.role === 'admin' ? (
          <Card title="Servers" actions={<Link to="/servers">Manage servers</Link>}>
            {data ? (
              <ServerHealthList servers={data.servers} />
            ) : stats.loading ? (
              <Loading what="Loading servers" />
            ) : (
              <p className="muted">Server health shows once the numbers load.</p>
            )}
          </Card>
        ) : (
          <ApiHelpCard />
        )}
        <Card title="Send a test message">
          <SendTestForm onQueued={stats.reload} />
        </Card>
      </div>
    </Page>
  );
}

function StatCard({ label, value, note, tone }: { label: string; value: number; note: string; tone: string }) {
  return (
    <div className={`card stat stat-${tone}`}>
      <span className="stat-label">{label}</span>
      <span className="stat-value">{formatNumber(value)}</span>
      <span className="small muted">{note}</span>
    </div>
  );
}

function QueueCard({ queue }: { queue: Stats['queue'] }) {
  const size = queue.queued + queue.deferred + queue.sending;
  return (
    <div className="card stat stat-queue">
      <span className="stat-label">Queue size</span>
      <span className="stat-value">{formatNumber(size)}</span>
      <span className="small muted">
        {size === 0 ? (
          'Nothing waiting'
        ) : (
          <>
            {(['queued', 'deferred', 'sending'] as const)
              .filter((state) => queue[state] > 0)
              .map((state) => `${formatNumber(queue[state])} ${state}`)
              .join(' · ')}
            {queue.oldestDueAt ? (
              <>
                <br />
                <span title={formatDateTime(queue.oldestDueAt)}>
                  {Date.parse(queue.oldestDueAt) > Date.now() ? `Next attempt ${formatAgo(queue.oldestDueAt)}` : `Oldest due ${formatAgo(queue.oldestDueAt)}`}
                </span>
              </>
            ) : null}
          </>
        )}
      </span>
    </div>
  );
}

function ServerHealthList({ servers }: { servers: Stats['servers'] }) {
  if (servers.length === 0)
    return (
      <Empty>
        No servers yet. <Link to="/servers/new">Add a server</Link>
      </Empty>
    );
  return (
    <ul className="server-health-list">
      {servers.map((s) => (
        <li key={s.id}>
          <div className="server-health-head">
            <Link className="server-health-name" to={`/servers/${s.id}`}>
              {s.name}
            </Link>
            <span className="muted small">{s.kind}</span>
            <StatusBadge status={s.health} />
          </div>
          <dl className="server-health-counts">
            <div>
              <dt>Sent, last hour</dt>
              <dd>{formatNumber(s.lastHour.sent)}</dd>
            </div>
            <div>
              <dt>Sent, 24 h</dt>
              <dd>{formatNumber(s.last24h.sent)}</dd>
            </div>
            <div>
              <dt>Deferred, 24 h</dt>
              <dd className={s.last24h.deferred ? 'count-warn' : undefined}>{formatNumber(s.last24h.deferred)}</dd>
            </div>
            <div>
              <dt>Failed, 24 h</dt>
              <dd className={s.last24h.failed ? 'count-bad' : undefined}>{formatNumber(s.last24h.failed)}</dd>
            </div>
          </dl>
          {s.lastError ? (
            <p className="server-health-error small">
              <span className="muted" title={formatDateTime(s.lastError.at)}>
                Last error {formatAgo(s.lastError.at)}:{' '}
              </span>
              <span className="mono">{formatAnswer(s.lastError.code, null, s.lastError.response) || 'no answer'}</span>
            </p>
          ) : null}
        </li>
      ))}
    </ul>
  );
}

function ApiHelpCard() {
  const example = [
    `curl ${window.location.origin}/api/v1/messages \\`,
    `  -H "Authorization: Bearer $POSTROOM_KEY" \\`,
    `  -H "Content-Type: application/json" \\`,
    `  -d '{"from": "app@example.com", "to": ["someone@example.com"],`,
    `       "subject": "Hello", "text": "Hi there"}'`,
  ].join('\n');
  return (
    <Card title="Send through the API">
      <p className="muted">
        Programs send with an API key: create one on the <Link to="/users">API keys</Link> page, then:
      </p>
      <pre className="code-block">{example}</pre>
    </Card>
  );
}

type Permission = NotificationPermission | 'unsupported';
const readPermission = (): Permission => ('Notification' in window ? Notification.permission : 'unsupported');

/** The browser's permission for desktop notifications, and a way to ask for it. */
export function useNotificationPermission(): [Permission, () => void] {
  const [permission, setPermission] = useState<Permission>(readPermission);
  const ask = () => {
    if (!('Notification' in window)) return;
    void Promise.resolve(Notification.requestPermission()).then(setPermission, () => setPermission(readPermission()));
  };
  return [permission, ask];
}

/** Shown only while the browser has not been asked yet. */
export function EnableNotificationsButton() {
  const [permission, ask] = useNotificationPermission();
  if (permission !== 'default') return null;
  return (
    <button type="button" className="btn" onClick={ask}>
      Enable desktop notifications
    </button>
  );
}
