/** One message: what it is, where each recipient stands, its content, and every event. */
import { useCallback, useState } from 'react';
import { useApiGet } from '../use-api';
import { useRefreshOnEvents } from '../live-events';
import { Link } from '../router';
import { useToast } from '../toasts';
import { formatBytes, formatDateTime } from '../format';
import { Card, ErrorNote, Loading, Page, StatusBadge } from '../components/ui';
import { MessageContentView } from '../components/message-content';
import { MessageRecipients } from '../components/message-recipients';
import { MessageTimeline } from '../components/message-timeline';
import { CAN_CHANGE, changeMessage } from '../components/message-actions';
import { NotFoundPage } from './not-found-page';
import type { MessageDetail } from '../types';

export function EmailDetailPage({ id }: { id: string }) {
  const path = `/messages/${encodeURIComponent(id)}`;
  const message = useApiGet<MessageDetail>(path);
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  useRefreshOnEvents(message.reload, (event) => event.messageId === id);
  const attachmentUrl = useCallback((index: number) => `/api/v1${path}/attachments/${index}`, [path]);

  if (message.status === 404) return <NotFoundPage what="message" />;
  if (!message.data)
    return (
      <Page title="Message" subtitle={<Link to="/emails">← Emails</Link>}>
        {message.error ? <ErrorNote error={message.error} onRetry={message.reload} /> : <Loading what="Loading the message" />}
      </Page>
    );
  const m = message.data;
  const changeable = m.recipients.some((r) => CAN_CHANGE.has(r.status));
  const act = async (action: 'retry' | 'cancel') => {
    setBusy(true);
    if (await changeMessage(m.id, action, toast)) message.reload();
    setBusy(false);
  };

  return (
    <Page
      title={m.subject || '(no subject)'}
      subtitle={
        <span className="detail-subtitle">
          <StatusBadge status={m.status} />
          <span className="mono small truncate">{m.id}</span>
        </span>
      }
      actions={
        changeable ? (
          <>
            <button type="button" className="btn btn-primary" disabled={busy} onClick={() => void act('retry')} title="Try queued, deferred and failed recipients again now">
              Send now
            </button>
            <button type="button" className="btn btn-danger" disabled={busy} onClick={() => void act('cancel')} title="Stop delivery to recipients not yet sent">
              Cancel message
            </button>
          </>
        ) : null
      }
    >
      {m.contentPrunedAt ? (
        <p className="note">This message's content and events were deleted by postroom prune on {formatDateTime(m.contentPrunedAt)}, as the retention setting asks. Its recipients and their outcomes are kept.</p>
      ) : m.content === null ? (
        <p className="note">Only the sender can see this message's content. Its delivery is shown here.</p>
      ) : null}
      <Card title="Message">
        <div className="facts-columns">
          <dl className="facts">
            <dt>From</dt>
            <dd>{m.from}</dd>
            <dt>To</dt>
            <dd>{m.to || '—'}</dd>
            {m.replyTo ? (
              <>
                <dt>Reply-To</dt>
                <dd>{m.replyTo}</dd>
              </>
            ) : null}
            <dt>Message-ID</dt>
            <dd className="mono small">{m.messageId}</dd>
            <dt>Tags</dt>
            <dd>
              {m.tags.length ? (
                <span className="tag-list">
                  {m.tags.map((tag) => (
                    <span key={tag} className="badge tag">
                      {tag}
                    </span>
                  ))}
                </span>
              ) : (
                <span className="muted">none</span>
              )}
            </dd>
          </dl>
          <dl className="facts">
            <dt>Server</dt>
            <dd>{m.server ?? <span className="muted">{m.status === 'suppressed' ? 'none: not sent, the address is suppressed' : 'not routed yet'}</span>}</dd>
            <dt>Size</dt>
            <dd>{formatBytes(m.size)}</dd>
            <dt>Created</dt>
            <dd>{formatDateTime(m.createdAt)}</dd>
            <dt>Expires</dt>
            <dd>{formatDateTime(m.expiresAt)}</dd>
          </dl>
        </div>
      </Card>
      <MessageRecipients recipients={m.recipients} />
      {m.content ? <MessageContentView content={m.content} attachmentUrl={attachmentUrl} rawUrl={`/api/v1${path}/raw`} /> : null}
      <MessageTimeline events={m.events} />
    </Page>
  );
}
