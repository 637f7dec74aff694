/**
 * The Settings page's bounce mailboxes: the IMAP and POP3 mailboxes Postroom polls for bounces
 * and complaints (for an installation the internet cannot reach on an inbound SMTP port), how
 * each one's last poll went, and adding, removing and "Poll now" with its result.
 */
import { useState } from 'react';
import { api, errorText } from '../api';
import { useApiGet } from '../use-api';
import { useToast } from '../toasts';
import { formatAgo, formatDateTime, formatNumber } from '../format';
import { Card, Empty, ErrorNote, Loading } from './ui';
import { MailboxForm } from './mailbox-form';
import type { MailboxPollResult, MailboxView } from '../feedback-types';

const SECURITY_LABEL = { tls: 'TLS', starttls: 'STARTTLS', none: 'no TLS' } as const;

export function BounceMailboxes() {
  const mailboxes = useApiGet<{ mailboxes: MailboxView[] }>('/mailboxes');
  const toast = useToast();
  const [adding, setAdding] = useState(false);
  const [busy, setBusy] = useState<string | null>(null);
  const [results, setResults] = useState<Record<string, MailboxPollResult | { ok: false; step: null; error: string }>>({});

  const poll = async (m: MailboxView) => {
    setBusy(m.id);
    try {
      const result = await api<MailboxPollResult>('POST', `/mailboxes/${encodeURIComponent(m.id)}/poll`);
      setResults((r) => ({ ...r, [m.id]: result }));
    } catch (e) {
      setResults((r) => ({ ...r, [m.id]: { ok: false, step: null, error: errorText(e) } }));
    } finally {
      setBusy(null);
      mailboxes.reload();
    }
  };
  const remove = async (m: MailboxView) => {
    if (!window.confirm(`Stop polling “${m.name}”? Its messages stay in the mailbox.`)) return;
    setBusy(m.id);
    try {
      await api('DELETE', `/mailboxes/${encodeURIComponent(m.id)}`);
      toast({ kind: 'success', title: `Mailbox “${m.name}” removed` });
      mailboxes.reload();
    } catch (e) {
      toast({ kind: 'error', title: 'Could not remove the mailbox', body: errorText(e) });
    } finally {
      setBusy(null);
    }
  };

  const list = mailboxes.data?.mailboxes ?? null;
  return (
    <Card
      title="Bounce mailboxes"
      className="bounce-mailboxes"
      actions={
        adding ? null : (
          <button type="button" className="btn btn-small" onClick={() => setAdding(true)}>
            Add mailbox
          </button>
        )
      }
    >
      <p className="muted">
        Postroom reads bounces and complaints from these mailboxes when they cannot reach it by SMTP. Point the bounce domain&rsquo;s mail, or a provider&rsquo;s feedback loop, at one of
        them; each message read is applied, then moved or deleted.
      </p>
      {mailboxes.error ? <ErrorNote error={mailboxes.error} onRetry={mailboxes.reload} /> : null}
      {!list && mailboxes.loading ? <Loading what="Loading mailboxes" /> : null}
      {list && list.length === 0 && !adding ? <Empty>No mailboxes are polled.</Empty> : null}
      {list && list.length > 0 ? (
        <ul className="mailbox-list">
          {list.map((m) => (
            <li key={m.id} data-mailbox={m.name}>
              <div className="mailbox-head">
                <strong className="mailbox-name">{m.name}</strong>
                <span className="badge">{m.protocol}</span>
                <span className="mono small mailbox-where">
                  {m.username}@{m.host}:{m.port}
                </span>
                <span className="muted small">{SECURITY_LABEL[m.security]}</span>
                <span className="mailbox-actions">
                  <button type="button" className="btn btn-small" disabled={busy === m.id} onClick={() => void poll(m)}>
                    {busy === m.id ? 'Polling…' : 'Poll now'}
                  </button>
                  <button type="button" className="btn btn-small btn-danger" disabled={busy === m.id} onClick={() => void remove(m)}>
                    Remove
                  </button>
                </span>
              </div>
              <p className="small muted mailbox-how">
                {m.protocol === 'imap' ? `Folder ${m.folder}; ` : ''}
                {m.afterProcessing === 'move' ? `read messages move to ${m.moveTo}` : 'read messages are deleted'}; every {formatNumber(m.intervalSeconds)} s
              </p>
              <p className="small mailbox-last">
                {m.lastPolledAt ? (
                  <>
                    <span className="muted" title={formatDateTime(m.lastPolledAt)}>
                      Last poll {formatAgo(m.lastPolledAt)}:{' '}
                    </span>
                    <span className={m.lastResult?.startsWith('failed') ? 'text-bad' : undefined}>{m.lastResult ?? '—'}</span>
                  </>
                ) : (
                  <span className="muted">Not polled yet.</span>
                )}
              </p>
              {results[m.id] ? <PollResult result={results[m.id]!} onDismiss={() => setResults(({ [m.id]: _gone, ...rest }) => rest)} /> : null}
            </li>
          ))}
        </ul>
      ) : null}
      {adding ? (
        <div className="mailbox-add">
          <h3>Add a mailbox</h3>
          <MailboxForm
            onCancel={() => setAdding(false)}
            onAdded={(m) => {
              setAdding(false);
              toast({ kind: 'success', title: `Mailbox “${m.name}” added`, body: 'Poll it now to check that Postroom can log in.' });
              mailboxes.reload();
            }}
          />
        </div>
      ) : null}
    </Card>
  );
}

function PollResult({ result, onDismiss }: { result: MailboxPollResult | { ok: false; step: null; error: string }; onDismiss: () => void }) {
  const text = result.ok
    ? `Polled: ${formatNumber(result.processed)} ${result.processed === 1 ? 'message' : 'messages'} processed${result.failed ? `, ${formatNumber(result.failed)} failed` : ''}.`
    : result.step
      ? `The poll failed at ${result.step}: ${result.error}`
      : `The poll failed: ${result.error}`;
  return (
    <div className={`note ${result.ok && !result.failed ? 'note-ok' : result.ok ? 'note-warn' : 'note-error'} mailbox-result`} role="status" data-testid="poll-result">
      <div>
        <p className="mailbox-result-text">{text}</p>
        {result.ok && result.errors.length ? (
          <ul className="small mailbox-errors">
            {result.errors.map((e) => (
              <li key={e}>{e}</li>
            ))}
          </ul>
        ) : null}
      </div>
      <button type="button" className="btn-icon" aria-label="Dismiss" onClick={onDismiss}>
        ×
      </button>
    </div>
  );
}
