/**
 * Connecting a Gmail or Microsoft server's account with OAuth 2.0: the state of its grant
 * (connected, not connected, revoked), the OAuth client (id and secret of the Google Cloud or
 * Microsoft Entra app; needed the first time, kept after), and the button that starts the sign-in.
 * The browser then leaves for the provider, which sends it back to /servers?connected=NAME.
 */
import { useState, type FormEvent } from 'react';
import { api, ApiError, errorText } from '../api';
import { TextField } from './ui';
import type { ServerView } from '../types';

type Started = { authorizeUrl: string; redirectUri: string; expiresAt: string };

export function OAuthConnect({ server: s }: { server: ServerView }) {
  const [clientId, setClientId] = useState('');
  const [clientSecret, setClientSecret] = useState('');
  const [errors, setErrors] = useState<{ clientId?: string; clientSecret?: string; form?: string }>({});
  const [busy, setBusy] = useState(false);
  const provider = s.kind === 'gmail' ? 'Google' : 'Microsoft';
  const connected = s.oauthConnected === true;
  const revoked = s.oauthRevoked === true;

  const start = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setErrors({});
    try {
      const body = { ...(clientId.trim() ? { clientId: clientId.trim() } : {}), ...(clientSecret ? { clientSecret } : {}) };
      const started = await api<Started>('POST', `/servers/${encodeURIComponent(s.id)}/oauth/start`, body);
      window.location.assign(started.authorizeUrl);
    } catch (error) {
      const field = error instanceof ApiError ? error.field : null;
      setErrors(field === 'clientId' || field === 'clientSecret' ? { [field]: error instanceof ApiError ? error.message : '' } : { form: errorText(error) });
      setBusy(false);
    }
  };

  return (
    <section className="card server-oauth" aria-labelledby="server-oauth-title">
      <header className="card-header">
        <h2 id="server-oauth-title">{connected ? 'Account connected' : revoked ? 'Reconnect the account' : 'Connect the account'}</h2>
      </header>
      <p className={`note server-oauth-state ${connected ? 'note-ok' : revoked ? 'note-error' : 'note-warn'}`} data-oauth={connected ? 'connected' : revoked ? 'revoked' : 'not-connected'}>
        <span>
          {connected ? (
            <>
              <strong>Connected</strong>: Postroom signs in as {s.account} with OAuth.
            </>
          ) : revoked ? (
            <>
              <strong>The grant was revoked</strong>: reconnect the account. Until then, no mail goes through this server.
            </>
          ) : (
            <>
              <strong>Not connected</strong>: connect {s.account} to send through this server.
            </>
          )}
        </span>
      </p>
      <form className="form server-oauth-form" onSubmit={(e) => void start(e)} noValidate aria-label="OAuth client">
        {errors.form ? (
          <p className="note note-error" role="alert">
            <span>{errors.form}</span>
          </p>
        ) : null}
        <div className="form-grid">
          <TextField
            label="Client ID"
            autoComplete="off"
            spellCheck={false}
            placeholder={s.oauthClientId ? `${s.oauthClientId} (stored)` : undefined}
            hint={`From the OAuth app made in ${provider === 'Google' ? 'Google Cloud (APIs & Services → Credentials)' : 'Microsoft Entra (App registrations)'}. ${s.oauthClientId ? 'Empty: the one stored.' : 'Needed: none is stored yet.'}`}
            value={clientId}
            onChange={(e) => setClientId(e.target.value)}
            error={errors.clientId}
          />
          <TextField
            label="Client secret"
            type="password"
            autoComplete="new-password"
            placeholder={s.oauthClientId ? '•••••••• (unchanged)' : undefined}
            hint="Stored encrypted and never shown again; empty: the one stored."
            value={clientSecret}
            onChange={(e) => setClientSecret(e.target.value)}
            error={errors.clientSecret}
          />
        </div>
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? 'Opening the sign-in…' : connected ? 'Reconnect' : revoked ? 'Reconnect account' : 'Connect account'}
          </button>
          <span className="muted small">You sign in with {provider}, allow Postroom to send mail, and come back here.</span>
        </div>
      </form>
    </section>
  );
}
