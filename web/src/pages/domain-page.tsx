/**
 * One sending domain: the records to publish (copy each, or the whole zone snippet), the live
 * check with a green or red line per record and its reason, and — for an admin — key rotation
 * and removal.
 */
import { useState } from 'react';
import { api, errorText } from '../api';
import { useApiGet } from '../use-api';
import { Link, navigate } from '../router';
import { useUser } from '../session';
import { useToast } from '../toasts';
import { formatDateTime } from '../format';
import { Card, ErrorNote, Loading, Page } from '../components/ui';
import { NotFoundPage } from './not-found-page';
import type { DomainCheckView, DomainRecordView, DomainView } from '../types';

const KIND_LABEL: Record<DomainRecordView['kind'], string> = { dkim: 'DKIM', spf: 'SPF', dmarc: 'DMARC', 'return-path': 'Return path', tracking: 'Tracking' };

export function DomainPage({ id }: { id: string }) {
  const user = useUser();
  const toast = useToast();
  const domain = useApiGet<DomainView>(`/domains/${encodeURIComponent(id)}`);
  const records = useApiGet<{ records: DomainRecordView[] }>(`/domains/${encodeURIComponent(id)}/records`);
  const [check, setCheck] = useState<DomainCheckView | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  if (domain.status === 404) return <NotFoundPage what="domain" />;
  if (domain.error && !domain.data) return <Page title="Domain">{<ErrorNote error={domain.error} onRetry={domain.reload} />}</Page>;
  if (!domain.data) return <Loading what="Loading domain" />;
  const d = domain.data;
  const shown = check ?? d.lastCheck;

  const run = async (what: string, action: () => Promise<void>) => {
    setBusy(what);
    try {
      await action();
    } catch (e) {
      toast({ kind: 'error', title: `Could not ${what}`, body: errorText(e) });
    } finally {
      setBusy(null);
    }
  };
  const checkNow = () =>
    run('check the records', async () => {
      const result = await api<DomainCheckView>('POST', `/domains/${d.id}/check`);
      setCheck(result);
      if (result.switchedTo) toast({ kind: 'success', title: `Signing now uses the new key ${result.switchedTo}` });
      domain.reload();
      records.reload();
    });
  const rotate = () =>
    run('start a key rotation', async () => {
      await api('POST', `/domains/${d.id}/rotate`, {});
      toast({ kind: 'success', title: 'New key made', body: 'Publish its DKIM record next to the current one, then check.' });
      domain.reload();
      records.reload();
    });
  const remove = () => {
    if (!window.confirm(`Remove ${d.name}? Mail from it will no longer be signed.`)) return;
    void run('remove the domain', async () => {
      await api('DELETE', `/domains/${d.id}`);
      navigate('/domains');
    });
  };
  const zone = (records.data?.records ?? []).filter((r) => r.zone).map((r) => r.zone).join('\n');

  return (
    <Page
      title={d.name}
      subtitle={
        <>
          <Link to="/domains">Domains</Link> · keys: {d.keys.filter((k) => k.state !== 'retired').map((k) => `${k.selector} (${k.algorithm}, ${k.state})`).join(', ')}
        </>
      }
      actions={
        <>
          <button type="button" className="btn btn-primary" onClick={() => void checkNow()} disabled={busy !== null}>
            {busy === 'check the records' ? 'Checking…' : 'Check DNS now'}
          </button>
          {user.role === 'admin' ? (
            <>
              <button type="button" className="btn" onClick={() => void rotate()} disabled={busy !== null}>
                Rotate key
              </button>
              <button type="button" className="btn btn-danger" onClick={remove} disabled={busy !== null}>
                Remove
              </button>
            </>
          ) : null}
        </>
      }
    >
      <Card title="Check" className="domain-check">
        {shown ? (
          <>
            <p className={`note ${shown.ok ? 'note-ok' : 'note-error'}`} data-testid="domain-verdict">
              {shown.ok ? `${d.name} is ready: mail from it is signed and its records are right.` : `${d.name} needs attention: fix the red lines below.`}
              <span className="small">Checked {formatDateTime(shown.checkedAt)}</span>
            </p>
            <ul className="check-lines">
              {shown.checks.map((c, i) => (
                <li key={`${c.kind}-${c.name}-${i}`} className={`check-line check-${c.status}`} data-kind={c.kind}>
                  <span className="check-mark" aria-hidden="true">
                    {c.status === 'ok' ? '✓' : c.status === 'warn' ? '!' : '✗'}
                  </span>
                  <span className="visually-hidden">{c.status === 'ok' ? 'Passed:' : c.status === 'warn' ? 'Warning:' : 'Failed:'}</span>
                  <strong>{KIND_LABEL[c.kind]}</strong> <code className="check-name">{c.name}</code>
                  <span className="check-reason">{c.reason}</span>
                </li>
              ))}
            </ul>
          </>
        ) : (
          <p className="muted">Not checked yet. Publish the records below, then choose “Check DNS now”.</p>
        )}
      </Card>
      <Card
        title="Records to publish"
        className="domain-records"
        actions={
          zone ? (
            <button type="button" className="btn btn-small" onClick={() => void navigator.clipboard.writeText(zone).then(() => toast({ kind: 'success', title: 'Zone lines copied' }))}>
              Copy all as zone lines
            </button>
          ) : null
        }
      >
        {records.error ? <ErrorNote error={records.error} onRetry={records.reload} /> : null}
        {!records.data && !records.error ? <Loading what="Working out the records" /> : null}
        {(records.data?.records ?? []).map((r, i) => (
          <section key={`${r.kind}-${r.name}-${r.type}-${i}`} className="record" data-kind={r.kind}>
            <h3>
              {KIND_LABEL[r.kind]} <span className="muted small">{r.type}</span>
            </h3>
            <p className="small">{r.note}</p>
            {r.warnings.map((w) => (
              <p key={w} className="note note-warn small">
                {w}
              </p>
            ))}
            {r.value ? (
              <dl className="facts record-facts">
                <dt>Name</dt>
                <dd>
                  <code>{r.name}</code>
                </dd>
                <dt>{r.type === 'MX' ? 'Mail server' : r.type === 'CNAME' ? 'Points to' : 'Value'}</dt>
                <dd>
                  <code className="record-value">{r.type === 'MX' ? `${r.priority ?? 10} ${r.value}` : r.value}</code>
                  <button type="button" className="btn btn-small record-copy" onClick={() => void navigator.clipboard.writeText(r.value).then(() => toast({ kind: 'success', title: `${KIND_LABEL[r.kind]} value copied` }))}>
                    Copy
                  </button>
                  {r.strings && r.strings.length > 1 ? <p className="field-hint">Longer than 255 characters: DNS keeps it as {r.strings.length} strings in one record (the zone line shows them); most DNS hosts split it for you.</p> : null}
                </dd>
              </dl>
            ) : null}
          </section>
        ))}
      </Card>
    </Page>
  );
}
