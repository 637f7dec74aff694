/** The queue: messages by status, searchable, paged, updating live as their states change. */
import { useEffect, useRef, useState } from 'react';
import { query } from '../api';
import { useApiGet } from '../use-api';
import { useRefreshOnEvents } from '../live-events';
import { Link, useLocation } from '../router';
import { Pager, SearchForm, useCursorPages } from '../components/search-and-pages';
import { useToast } from '../toasts';
import { formatAgo, formatDateTime } from '../format';
import { Empty, ErrorNote, Loading, Page, StatusBadge } from '../components/ui';
import { RetryMenu } from '../components/retry-menu';
import { CAN_CHANGE, changeMessage } from '../components/message-actions';
import { BAD_STATUSES, MESSAGE_STATUSES, type MessagePage } from '../types';

const TABS: Array<{ label: string; status: string }> = [{ label: 'All', status: '' }, ...MESSAGE_STATUSES.map((s) => ({ label: s[0]!.toUpperCase() + s.slice(1), status: s }))];
const PAGE_SIZE = 50;

export function EmailsPage() {
  const { search } = useLocation();
  const status = search.get('status') ?? '';
  const pages = useCursorPages();
  const { q, cursor } = pages;
  const [busy, setBusy] = useState<string | null>(null);
  // On a narrow screen the tabs scroll sideways: keep the chosen one in view.
  const tabs = useRef<HTMLElement>(null);
  useEffect(() => {
    // A block, not an arrow's value: scrollIntoView returns a promise in new browsers, and an effect may return only a cleanup.
    void tabs.current?.querySelector('[aria-current="page"]')?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }, [status]);
  const toast = useToast();
  const page = useApiGet<MessagePage>(`/messages${query({ status, q, cursor, limit: PAGE_SIZE })}`);
  useRefreshOnEvents(page.reload);

  const act = async (id: string, action: 'retry' | 'cancel') => {
    setBusy(id);
    if (await changeMessage(id, action, toast)) page.reload();
    setBusy(null);
  };

  return (
    <Page title="Emails" subtitle="Every message in the spool, newest first. Rows change as delivery happens.">
      <nav className="tabs" aria-label="Status" ref={tabs}>
        {TABS.map((tab) => (
          <Link key={tab.label} to={`/emails${query({ status: tab.status, q })}`} aria-current={tab.status === status ? 'page' : undefined} onClick={pages.reset}>
            {tab.label}
          </Link>
        ))}
      </nav>
      <SearchForm id="email-search" pages={pages} />
      <div className="card flush">
        {page.error ? <ErrorNote error={page.error} onRetry={page.reload} /> : null}
        {!page.data && page.loading ? <Loading what="Loading messages" /> : null}
        {page.data && page.data.messages.length === 0 ? <Empty>{q ? 'No messages match.' : status ? `No ${status} messages.` : 'No messages yet. Send one from the dashboard or through the API.'}</Empty> : null}
        {page.data && page.data.messages.length > 0 ? (
          <div className="table-wrap">
            <table className="table queue-table">
              <thead>
                <tr>
                  <th>Status</th>
                  <th>Subject</th>
                  <th>To</th>
                  <th className="hide-narrow">From</th>
                  <th className="hide-narrow">Server</th>
                  <th>Created</th>
                  <th>
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {page.data.messages.map((m) => (
                  <tr key={m.id} data-message-id={m.id} className={BAD_STATUSES.has(m.status) ? 'row-failed' : undefined}>
                    <td className="cell-status">
                      <StatusBadge status={m.status} />
                    </td>
                    <td className="cell-subject">
                      <Link className="row-link" to={`/emails/${m.id}`}>
                        {m.subject || '(no subject)'}
                      </Link>
                    </td>
                    <td className="cell-to truncate cell-address" title={m.to}>
                      {m.to}
                    </td>
                    <td className="cell-from truncate cell-address hide-narrow" title={m.from}>
                      {m.from}
                    </td>
                    <td className="cell-server hide-narrow nowrap">{m.server ?? <span className="muted">—</span>}</td>
                    <td className="cell-created nowrap" title={formatDateTime(m.createdAt)}>
                      {formatAgo(m.createdAt)}
                    </td>
                    <td className="actions">{CAN_CHANGE.has(m.status) ? <RetryMenu busy={busy === m.id} onSendNow={() => void act(m.id, 'retry')} onCancel={() => void act(m.id, 'cancel')} /> : null}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        <Pager pages={pages} nextCursor={page.data?.nextCursor} />
      </div>
    </Page>
  );
}
