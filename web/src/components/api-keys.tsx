/**
 * API keys: the list (own, or everyone's for an admin), revoking one, and creating one. A new key
 * is shown once, right after it is made; Postroom keeps only its first characters.
 */
import { useState, type FormEvent } from 'react';
import { api, ApiError, errorText } from '../api';
import { useApiGet } from '../use-api';
import { useToast } from '../toasts';
import { useUser } from '../session';
import { formatAgo, formatDateTime } from '../format';
import { Card, Empty, ErrorNote, Loading, SelectField, TextField } from './ui';
import type { ApiKeyView, UserView } from '../types';

/** `users`: for an admin, everyone (owners are shown and can be chosen); null for a sender. */
export function ApiKeysCard({ users }: { users: UserView[] | null }) {
  const toast = useToast();
  const keys = useApiGet<{ apiKeys: ApiKeyView[] }>('/api-keys');
  const [created, setCreated] = useState<(ApiKeyView & { key: string }) | null>(null);
  const emailOf = (userId: string) => users?.find((u) => u.id === userId)?.email ?? userId;
  const list = [...(keys.data?.apiKeys ?? [])].sort((a, b) => Number(a.revokedAt !== null) - Number(b.revokedAt !== null));

  const revoke = async (key: ApiKeyView) => {
    if (!window.confirm(`Revoke the API key “${key.name}” (${key.prefix}…)? Programs using it are refused from now on.`)) return;
    try {
      await api('DELETE', `/api-keys/${encodeURIComponent(key.id)}`);
      toast({ kind: 'success', title: 'API key revoked', body: key.name });
    } catch (e) {
      toast({ kind: 'error', title: 'Could not revoke the API key', body: errorText(e) });
    }
    keys.reload();
  };

  return (
    <Card title="API keys" className="flush">
      <p className="muted api-keys-intro">Programs send with an API key: <code>Authorization: Bearer &lt;key&gt;</code>.</p>
      {keys.error ? <ErrorNote error={keys.error} onRetry={keys.reload} /> : null}
      {!keys.data && keys.loading ? <Loading what="Loading API keys" /> : null}
      {keys.data && list.length === 0 ? <Empty>No API keys yet. Create one below.</Empty> : null}
      {list.length > 0 ? (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th>Name</th>
                {users ? <th className="api-keys-hide-narrow">Owner</th> : null}
                <th className="api-keys-hide-narrow">Key</th>
                <th className="api-keys-hide-narrow">Created</th>
                <th className="api-keys-hide-narrow">Last used</th>
                <th>Status</th>
                <th>
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((k) => (
                <tr key={k.id} data-api-key-id={k.id} className={k.revokedAt ? 'api-key-revoked' : undefined}>
                  <td className="api-keys-name">
                    {k.name}
                    {users ? <span className="api-keys-narrow-only small muted">{emailOf(k.userId)}</span> : null}
                  </td>
                  {users ? (
                    <td className="truncate api-keys-owner api-keys-hide-narrow" title={emailOf(k.userId)}>
                      {emailOf(k.userId)}
                    </td>
                  ) : null}
                  <td className="mono nowrap api-keys-hide-narrow">{k.prefix}…</td>
                  <td className="nowrap api-keys-hide-narrow" title={formatDateTime(k.createdAt)}>
                    {formatAgo(k.createdAt)}
                  </td>
                  <td className="nowrap api-keys-hide-narrow" title={k.lastUsedAt ? formatDateTime(k.lastUsedAt) : undefined}>
                    {k.lastUsedAt ? formatAgo(k.lastUsedAt) : <span className="muted">never</span>}
                  </td>
                  <td title={k.revokedAt ? `Revoked ${formatDateTime(k.revokedAt)}` : undefined}>
                    <span className={`badge ${k.revokedAt ? 'status-cancelled' : 'status-active'}`}>{k.revokedAt ? 'revoked' : 'active'}</span>
                  </td>
                  <td className="actions">
                    {k.revokedAt ? null : (
                      <button type="button" className="btn btn-small btn-danger" title={`Revoke “${k.name}”`} onClick={() => void revoke(k)}>
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {created && !list.some((k) => k.id === created.id && k.revokedAt) ? <NewKey created={created} owner={users ? emailOf(created.userId) : null} onDone={() => setCreated(null)} /> : null}
      <CreateKeyForm
        users={users}
        onCreated={(key) => {
          setCreated(key);
          keys.reload();
        }}
      />
    </Card>
  );
}

function NewKey({ created, owner, onDone }: { created: ApiKeyView & { key: string }; owner: string | null; onDone: () => void }) {
  const toast = useToast();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(created.key);
      toast({ kind: 'success', title: 'API key copied' });
    } catch {
      toast({ kind: 'error', title: 'Could not copy', body: 'Select the key and copy it by hand.' });
    }
  };
  return (
    <div className="new-api-key" data-testid="new-api-key" role="region" aria-label="New API key">
      <p>
        <strong>New API key “{created.name}”</strong>
        {owner ? <span className="muted"> for {owner}</span> : null}
      </p>
      <div className="new-api-key-row">
        <code className="new-api-key-value">{created.key}</code>
        <button type="button" className="btn btn-small" onClick={() => void copy()}>
          Copy
        </button>
      </div>
      <p className="small">This key is shown once: copy it now and keep it somewhere safe. Postroom stores only its first characters.</p>
      <button type="button" className="btn btn-small btn-ghost" onClick={onDone}>
        I have copied it
      </button>
    </div>
  );
}

function CreateKeyForm({ users, onCreated }: { users: UserView[] | null; onCreated: (key: ApiKeyView & { key: string }) => void }) {
  const me = useUser();
  const [name, setName] = useState('');
  const [owner, setOwner] = useState(me.id);
  const [errors, setErrors] = useState<{ name?: string; userId?: string }>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaving(true);
    setErrors({});
    setFormError(null);
    try {
      const body = users && owner !== me.id ? { name: name.trim(), userId: owner } : { name: name.trim() };
      onCreated(await api<ApiKeyView & { key: string }>('POST', '/api-keys', body));
      setName('');
    } catch (e) {
      const field = e instanceof ApiError ? e.field : null;
      if (field === 'name' || field === 'userId') setErrors({ [field]: errorText(e) });
      else setFormError(errorText(e));
    } finally {
      setSaving(false);
    }
  };

  return (
    <form className="form api-keys-create" onSubmit={(e) => void submit(e)} noValidate>
      <fieldset>
        <legend>Create an API key</legend>
        <div className="api-keys-create-grid">
          <TextField label="Name" value={name} onChange={(e) => setName(e.target.value)} error={errors.name} hint="To tell keys apart, e.g. “billing app”." autoComplete="off" required />
          {users ? (
            <SelectField label="Owner" value={owner} onChange={(e) => setOwner(e.target.value)} error={errors.userId} hint="The key sends as this user.">
              {users.map((u) => (
                <option key={u.id} value={u.id}>
                  {u.email}
                  {u.id === me.id ? ' (you)' : ''}
                </option>
              ))}
            </SelectField>
          ) : null}
        </div>
        {formError ? <ErrorNote error={formError} /> : null}
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={saving}>
            Create API key
          </button>
        </div>
      </fieldset>
    </form>
  );
}
