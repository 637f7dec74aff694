/** The sandbox inbox: what sandbox servers kept instead of delivering, read like a mailbox. */
import { useEffect, useState, type FormEvent } from 'react';
import { query } from '../api';
import { useApiGet } from '../use-api';
import { useRefreshOnEvents } from '../live-events';
import { Link, setSearch, useLocation } from '../router';
import { formatAgo, formatDateTime } from '../format';
import { Empty, ErrorNote, Loading, Page } from '../components/ui';
import type { SandboxPage as Inbox } from '../types';

export function SandboxPage() {
  const { search } = useLocation();
  const q = search.get('q') ?? '';
  const cursor = search.get('cursor') ?? '';
  const [text, setText] = useState(q);
  // The cursors of the newer pages, so "Newer" can go back.
  const [newerCursors, setNewerCursors] = useState<string[]>([]);
  useEffect(() => setText(q), [q]);
  const inbox = useApiGet<Inbox>(`/sandbox/messages${query({ q, cursor, limit: 50 })}`);
  useRefreshOnEvents(inbox.reload, (event) => event.type === 'sent');

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setNewerCursors([]);
    setSearch({ q: text.trim(), cursor: undefined });
  };

  return (
    <Page title="Sandbox inbox" subtitle="Sandbox servers keep mail here instead of delivering it: one copy per recipient, as they would have received it.">
      <form className="toolbar" role="search" onSubmit={submit}>
        <label className="visually-hidden" htmlFor="sandbox-search">
          Search by recipient or subject
        </label>
        <input id="sandbox-search" className="input" type="search" placeholder="Search by recipient or subject" value={text} onChange={(e) => setText(e.target.value)} />
        <button type="submit" className="btn">
          Search
        </button>
        {q ? (
          <button type="button" className="btn btn-ghost" onClick={() => (setText(''), setNewerCursors([]), setSearch({ q: undefined, cursor: undefined }))}>
            Clear
          </button>
        ) : null}
      </form>
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
        {cursor || inbox.data?.nextCursor ? (
          <div className="pager">
            <button type="button" className="btn btn-small" disabled={!cursor} onClick={() => {
              setSearch({ cursor: newerCursors.at(-1) || undefined });
              setNewerCursors(newerCursors.slice(0, -1));
            }}>
              ← Newer
            </button>
            <button type="button" className="btn btn-small" disabled={!inbox.data?.nextCursor} onClick={() => {
              setNewerCursors([...newerCursors, cursor]);
              setSearch({ cursor: inbox.data!.nextCursor! });
            }}>
              Older →
            </button>
          </div>
        ) : null}
      </div>
    </Page>
  );
}
