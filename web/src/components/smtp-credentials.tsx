/**
 * SMTP relay logins: how an application that speaks only SMTP (an ERP, a CMS, a printer) sends
 * through Postroom. The list (own, or everyone's for an admin), revoking one, and creating one;
 * a new login's password is shown once, right after it is made, with the relay's settings.
 */
import { useState } from 'react';
import { api, errorText } from '../api';
import { useApiGet } from '../use-api';
import { useToast } from '../toasts';
import { formatAgo, formatDateTime } from '../format';
import { Card, Empty, ErrorNote, Loading } from './ui';
import { CreateSmtpCredentialForm } from './smtp-credential-form';
import { NewSmtpCredentialPanel } from './new-smtp-credential';
import { RELAY_PORT, relayEndpoint } from './smtp-relay-settings';
import type { UserView } from '../types';
import type { NewSmtpCredential, SmtpCredentialList, SmtpCredentialView } from '../smtp-credential-types';

/** `users`: for an admin, everyone (owners are shown and can be chosen); null for a sender. */
export function SmtpCredentialsCard({ users }: { users: UserView[] | null }) {
  const toast = useToast();
  const logins = useApiGet<SmtpCredentialList>('/smtp-credentials');
  const [created, setCreated] = useState<NewSmtpCredential | null>(null);
  const emailOf = (userId: string) => users?.find((u) => u.id === userId)?.email ?? userId;
  const list = [...(logins.data?.smtpCredentials ?? [])].sort((a, b) => Number(a.revokedAt !== null) - Number(b.revokedAt !== null));
  const starttls = logins.data?.relay.starttls ?? false;
  const relay = relayEndpoint(starttls);

  const revoke = async (login: SmtpCredentialView) => {
    if (!window.confirm(`Revoke the SMTP login “${login.name}” (${login.username})? Applications using it are refused from their next message.`)) return;
    try {
      await api('DELETE', `/smtp-credentials/${encodeURIComponent(login.id)}`);
      toast({ kind: 'success', title: 'SMTP login revoked', body: login.name });
    } catch (e) {
      toast({ kind: 'error', title: 'Could not revoke the SMTP login', body: errorText(e) });
    }
    logins.reload();
  };

  return (
    <Card title="SMTP relay logins" className="flush" testId="smtp-credentials">
      <p className="muted api-keys-intro">
        Applications that speak only SMTP send through the relay with a login of their own: <code>{relay.host}:{RELAY_PORT}</code>, {relay.security === 'none' ? 'no TLS' : relay.security}, AUTH PLAIN or LOGIN.
      </p>
      {logins.error ? <ErrorNote error={logins.error} onRetry={logins.reload} /> : null}
      {!logins.data && logins.loading ? <Loading what="Loading SMTP logins" /> : null}
      {logins.data && list.length === 0 ? <Empty>No SMTP logins yet. Create one below.</Empty> : null}
      {list.length > 0 ? (
        <div className="table-wrap">
          <table className="table smtp-credentials-table">
            <thead>
              <tr>
                <th>Name</th>
                <th className="api-keys-hide-narrow">Username</th>
                {users ? <th className="api-keys-hide-narrow">Owner</th> : null}
                <th className="api-keys-hide-narrow">May send as</th>
                <th className="api-keys-hide-narrow">Lane</th>
                <th className="api-keys-hide-narrow">Server</th>
                <th className="api-keys-hide-narrow">Last used</th>
                <th>Status</th>
                <th>
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((c) => (
                <LoginRow key={c.id} login={c} owner={users ? emailOf(c.userId) : null} onRevoke={() => void revoke(c)} />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {created && !list.some((c) => c.id === created.id && c.revokedAt) ? (
        <NewSmtpCredentialPanel created={created} owner={users ? emailOf(created.userId) : null} starttls={starttls} onDone={() => setCreated(null)} />
      ) : null}
      <CreateSmtpCredentialForm
        users={users}
        onCreated={(login) => {
          setCreated(login);
          logins.reload();
        }}
      />
    </Card>
  );
}

function LoginRow({ login: c, owner, onRevoke }: { login: SmtpCredentialView; owner: string | null; onRevoke: () => void }) {
  return (
    <tr data-testid="smtp-credential-row" data-smtp-credential-id={c.id} data-username={c.username} className={c.revokedAt ? 'api-key-revoked' : undefined}>
      <td className="api-keys-name">
        {c.name}
        <span className="api-keys-narrow-only small muted mono">{c.username}</span>
        <span className="api-keys-narrow-only small muted">
          {c.allowedFrom.join(', ')} · {c.lane}
          {c.server ? ` · ${c.server}` : ''}
          {tracks(c) ? ` · tracks ${tracks(c)}` : ''}
        </span>
        {owner ? <span className="api-keys-narrow-only small muted">{owner}</span> : null}
      </td>
      <td className="mono nowrap api-keys-hide-narrow">{c.username}</td>
      {owner !== null ? (
        <td className="truncate api-keys-owner api-keys-hide-narrow" title={owner}>
          {owner}
        </td>
      ) : null}
      <td className="api-keys-hide-narrow smtp-credentials-from">{c.allowedFrom.join(', ')}</td>
      <td className="api-keys-hide-narrow">
        {c.lane}
        {tracks(c) ? <div className="small muted">tracks {tracks(c)}</div> : null}
      </td>
      <td className="nowrap api-keys-hide-narrow">{c.server ?? <span className="muted">any</span>}</td>
      <td className="nowrap api-keys-hide-narrow" title={c.lastUsedAt ? formatDateTime(c.lastUsedAt) : undefined}>
        {c.lastUsedAt ? formatAgo(c.lastUsedAt) : <span className="muted">never</span>}
      </td>
      <td title={c.revokedAt ? `Revoked ${formatDateTime(c.revokedAt)}` : `Created ${formatDateTime(c.createdAt)}`} data-testid="smtp-credential-status">
        <span className={`badge ${c.revokedAt ? 'status-cancelled' : 'status-active'}`}>{c.revokedAt ? 'revoked' : 'active'}</span>
      </td>
      <td className="actions">
        {c.revokedAt ? null : (
          <button type="button" className="btn btn-small btn-danger" title={`Revoke “${c.name}”`} onClick={onRevoke} data-testid="smtp-credential-revoke">
            Revoke
          </button>
        )}
      </td>
    </tr>
  );
}

/** "opens, clicks", "opens", "clicks" or "" for a login's tracking. */
function tracks(c: SmtpCredentialView): string {
  return [c.track.opens ? 'opens' : '', c.track.clicks ? 'clicks' : ''].filter(Boolean).join(', ');
}
