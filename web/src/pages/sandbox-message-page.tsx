/** One message kept by a sandbox server, as its recipient would have read it. */
import { useCallback } from 'react';
import { useApiGet } from '../use-api';
import { Link } from '../router';
import { formatDateTime } from '../format';
import { Card, ErrorNote, Loading, Page } from '../components/ui';
import { MessageContentView } from '../components/message-content';
import { NotFoundPage } from './not-found-page';
import type { SandboxDetail } from '../types';

export function SandboxMessagePage({ id }: { id: string }) {
  const path = `/sandbox/messages/${encodeURIComponent(id)}`;
  const copy = useApiGet<SandboxDetail>(path);
  const attachmentUrl = useCallback((index: number) => `/api/v1${path}/attachments/${index}`, [path]);
  if (copy.status === 404) return <NotFoundPage what="message" />;
  if (!copy.data)
    return (
      <Page title="Sandbox message" subtitle={<Link to="/sandbox">← Sandbox inbox</Link>}>
        {copy.error ? <ErrorNote error={copy.error} onRetry={copy.reload} /> : <Loading what="Loading the message" />}
      </Page>
    );
  const m = copy.data;
  return (
    <Page title={m.subject || '(no subject)'} subtitle={<Link to="/sandbox">← Sandbox inbox</Link>} actions={<Link className="btn" to={`/emails/${encodeURIComponent(m.messageId)}`}>View delivery</Link>}>
      <Card>
        <dl className="facts">
          <dt>From</dt>
          <dd>{m.from}</dd>
          <dt>To</dt>
          <dd>{m.recipient}</dd>
          <dt>Received</dt>
          <dd>{formatDateTime(m.receivedAt)}</dd>
          <dt>Kept by</dt>
          <dd>{m.server}</dd>
        </dl>
      </Card>
      <MessageContentView content={m.content} attachmentUrl={attachmentUrl} rawUrl={`/api/v1${path}/raw`} />
    </Page>
  );
}
