/** Sending domains: each with its DKIM key and whether its last DNS check passed; an admin adds them here. */
import { useState, type FormEvent } from 'react';
import { api, ApiError, errorText } from '../api';
import { useApiGet } from '../use-api';
import { Link, navigate } from '../router';
import { useUser } from '../session';
import { useToast } from '../toasts';
import { formatAgo, formatDateTime } from '../format';
import { Card, Empty, ErrorNote, Loading, Page, SelectField, TextField } from '../components/ui';
import type { DomainView } from '../types';

export function DomainsPage() {
  const user = useUser();
  const domains = useApiGet<{ domains: DomainView[] }>('/domains');
  const list = domains.data?.domains ?? null;
  return (
    <Page title="Domains" subtitle="Mail whose From is at a sending domain is DKIM-signed with its key. Publish the records each domain shows, then check them.">
      {user.role === 'admin' ? <AddDomain /> : null}
      <div className="card flush">
        {domains.error && !list ? <ErrorNote error={domains.error} onRetry={domains.reload} /> : null}
        {!list && !domains.error ? <Loading what="Loading domains" /> : null}
        {list && list.length === 0 ? <Empty>No sending domains yet.{user.role === 'admin' ? ' Add the domain you send from above.' : ' An admin adds them.'}</Empty> : null}
        {list && list.length > 0 ? (
          <div className="table-wrap">
            <table className="table domains-table">
              <thead>
                <tr>
                  <th>Domain</th>
                  <th className="hide-narrow">DKIM key</th>
                  <th>DNS</th>
                  <th className="hide-narrow">Checked</th>
                </tr>
              </thead>
              <tbody>
                {list.map((d) => {
                  const active = d.keys.find((k) => k.state === 'active');
                  const pending = d.keys.find((k) => k.state === 'pending');
                  return (
                    <tr key={d.id} data-domain={d.name}>
                      <td>
                        <Link className="row-link" to={`/domains/${d.id}`}>
                          {d.name}
                        </Link>
                      </td>
                      <td className="nowrap hide-narrow">
                        {active ? `${active.selector} · ${active.algorithm === 'rsa' ? 'RSA-2048' : 'Ed25519'}` : '—'}
                        {pending ? <span className="muted small"> · rotating to {pending.selector}</span> : null}
                      </td>
                      <td>{d.lastCheck ? <span className={`badge ${d.lastCheck.ok ? 'status-ok' : 'status-failed'}`}>{d.lastCheck.ok ? 'ready' : 'needs attention'}</span> : <span className="badge">not checked</span>}</td>
                      <td className="hide-narrow nowrap" title={formatDateTime(d.checkedAt)}>
                        {d.checkedAt ? formatAgo(d.checkedAt) : '—'}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        ) : null}
      </div>
    </Page>
  );
}

function AddDomain() {
  const toast = useToast();
  const [name, setName] = useState('');
  const [selector, setSelector] = useState('');
  const [algorithm, setAlgorithm] = useState<'rsa' | 'ed25519'>('rsa');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const add = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const created = await api<DomainView>('POST', '/domains', { name: name.trim(), algorithm, ...(selector.trim() ? { selector: selector.trim() } : {}) });
      toast({ kind: 'success', title: `${created.name} added`, body: 'Publish its records, then check them.' });
      navigate(`/domains/${created.id}`);
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, 'error', errorText(e), null));
    } finally {
      setBusy(false);
    }
  };
  const errorOf = (field: string) => (error?.field === field ? error.message : null);
  return (
    <Card title="Add a sending domain" className="add-domain">
      <form className="form-grid add-domain-form" onSubmit={(e) => void add(e)}>
        <TextField label="Domain" value={name} onChange={(e) => setName(e.target.value)} placeholder="example.com" required error={errorOf('name')} />
        <SelectField label="Key" value={algorithm} onChange={(e) => setAlgorithm(e.target.value as 'rsa' | 'ed25519')} hint="RSA-2048 is understood everywhere; Ed25519 (RFC 8463) is faster but not yet checked by every receiver.">
          <option value="rsa">RSA-2048</option>
          <option value="ed25519">Ed25519</option>
        </SelectField>
        <TextField label="Selector (optional)" value={selector} onChange={(e) => setSelector(e.target.value)} placeholder="pr202611" error={errorOf('selector')} />
        <div className="form-actions add-domain-actions">
          <button type="submit" className="btn btn-primary" disabled={busy || !name.trim()}>
            {busy ? 'Adding…' : 'Add domain'}
          </button>
        </div>
        {error && !['name', 'selector'].includes(error.field ?? '') ? <ErrorNote error={error.message} /> : null}
      </form>
    </Card>
  );
}
