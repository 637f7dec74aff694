/**
 * What an application's mail settings need to reach the SMTP relay. The port is the default of
 * `postroom serve --smtp` (the HTTP API cannot know the flag); the relay's certificate is config,
 * and without one the relay listens on loopback only and offers no STARTTLS.
 */
import type { ReactNode } from 'react';

export const RELAY_PORT = 2587;

const isLoopback = (host: string): boolean => host === 'localhost' || host === '[::1]' || /^127\./.test(host);

export interface RelayEndpoint {
  host: string;
  security: string;
  /** Why the host or security is what it is, when it is not the obvious. */
  note: string | null;
}

export function relayEndpoint(starttls: boolean): RelayEndpoint {
  const page = window.location.hostname;
  if (starttls) return { host: page, security: 'STARTTLS', note: null };
  return {
    host: isLoopback(page) ? page : '127.0.0.1',
    security: 'none',
    note: 'The relay has no TLS certificate, so it takes connections from the machine Postroom runs on only. Set POSTROOM_SMTP_TLS_CERT and POSTROOM_SMTP_TLS_KEY to offer STARTTLS to other machines.',
  };
}

/** The settings as a list; `login` adds the username and password rows of a new login. */
export function RelaySettings({ starttls, login }: { starttls: boolean; login?: { username: ReactNode; password: ReactNode } }) {
  const relay = relayEndpoint(starttls);
  return (
    <div className="smtp-relay-settings" data-testid="smtp-relay-settings">
      <dl className="facts">
        <dt>Host</dt>
        <dd className="mono" data-testid="smtp-relay-host">
          {relay.host}
        </dd>
        <dt>Port</dt>
        <dd className="mono" data-testid="smtp-relay-port">
          {RELAY_PORT}
        </dd>
        <dt>Security</dt>
        <dd data-testid="smtp-relay-security">{relay.security}</dd>
        <dt>Authentication</dt>
        <dd>PLAIN or LOGIN</dd>
        {login ? (
          <>
            <dt>Username</dt>
            <dd>{login.username}</dd>
            <dt>Password</dt>
            <dd>{login.password}</dd>
          </>
        ) : null}
      </dl>
      {relay.note ? <p className="small muted">{relay.note}</p> : null}
    </div>
  );
}
