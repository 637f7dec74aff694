/** The sandbox inbox: what sandbox servers kept instead of delivering, read like a mailbox. */
import { query } from '../api';
import { useApiGet } from '../use-api';
import { useRefreshOnEvents } from '../live-events';
import { Link } from '../router';
import { Pager, SearchForm, useCursorPages } from '../components/search-and-pages';
import { formatAgo, formatDateTime } from '../format';
import { Empty, ErrorNote, Loading, Page } from '../components/ui';
import type { SandboxPage as Inbox } from '../types';

export function SandboxPage() {
  const pages = useCursorPages();
  const { q, cursor } = pages;
  const inbox = useApiGet<Inbox>(`/sandbox/messages${query({ q, cursor, limit: 50 })}`);
  useRefreshOnEvents(inbox.reload, (event) => event.type === 'sent');

  return (
    <Page title="Sandbox inbox" subtitle="Sandbox servers keep mail here instead of delivering it: one copy per recipient, as they would have received it.">
      <SearchForm id="sandbox-search" pages={pages} />
      <div className="card flush">
        {inbox.error ? <ErrorNote error={inbox.error} onRetry={inbox.reload} /> : null}
        {!inbox.data && inbox.loading ? <Loading what="Loading the inbox" /> : null}
        {inbox.data && inbox.data.messages.length === 0 ? (
          <Empty>
            {q ? (
              'No messages match.'
            ) : (
              <>
                No messages yet. <Link to="/">Send a test message from the dashboard.</Link>
              </>
            )}
          </Empty>
        ) : null}
        {inbox.data && inbox.data.messages.length > 0 ? (
          <ul className="mailbox">
            {inbox.data.messages.map((m) => (
              <li key={m.id}>
                <Link to={`/sandbox/${m.id}`} className="mailbox-row">
                  <span className="mailbox-from truncate">{m.from}</span>
                  <span className="mailbox-subject truncate">{m.subject || '(no subject)'}</span>
                  <span className="mailbox-to truncate muted small">to {m.recipient}</span>
                  <time className="mailbox-time muted small" dateTime={m.receivedAt} title={formatDateTime(m.receivedAt)}>
                    {formatAgo(m.receivedAt)}
                  </time>
                </Link>
              </li>
            ))}
          </ul>
        ) : null}
        <Pager pages={pages} nextCursor={inbox.data?.nextCursor} />
      </div>
    </Page>
  );
}
