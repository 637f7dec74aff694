/**
 * What Postroom needs to know about each provider's OAuth 2.0 (RFC 6749): where to send the
 * person to grant access, where to trade codes and refresh tokens for access tokens, and which
 * scopes let a client send mail over SMTP with XOAUTH2.
 *
 *   Gmail      `https://mail.google.com/` is the only scope Google accepts for SMTP XOAUTH2;
 *              `access_type=offline` asks for a refresh token, `prompt=consent` asks again
 *              each time so a reconnect gets a fresh one (Google gives one only on consent).
 *   Microsoft  `SMTP.Send` on outlook.office.com (SMTP AUTH), `offline_access` for a refresh
 *              token.
 * Both also get `openid email`, so the token answer carries an ID token naming the account that
 * actually signed in (checked against the server's account).
 */
import type { Config } from '../config/index.js';
import type { Store } from '../store/index.js';
import type { Clock } from '../lib/clock.js';
import type { SecretBox } from '../servers/secret-box.js';

export type OAuthConfig = Config['oauth'];

/** What the OAuth use cases need, passed in. */
export interface OAuthDeps {
  store: Store;
  clock: Clock;
  secrets: SecretBox;
  oauth: OAuthConfig;
  /** HTTP for the token endpoint; the global fetch by default. */
  fetch?: typeof fetch;
}
export type ProviderKind = 'gmail' | 'microsoft';

export interface OAuthProvider {
  kind: ProviderKind;
  /** For people: "Gmail", "Microsoft". */
  label: string;
  authorizeUrl: string;
  tokenUrl: string;
  scopes: readonly string[];
  /** Extra parameters of the authorization request. */
  authorizeParams: Readonly<Record<string, string>>;
  /** Whether a refresh request repeats the scopes (Microsoft's v2.0 endpoint expects them). */
  scopeOnRefresh: boolean;
}

export function oauthProvider(kind: ProviderKind, config: OAuthConfig): OAuthProvider {
  if (kind === 'gmail') {
    return {
      kind,
      label: 'Gmail',
      authorizeUrl: config.gmailAuthorizeUrl,
      tokenUrl: config.gmailTokenUrl,
      scopes: ['https://mail.google.com/', 'openid', 'email'],
      authorizeParams: { access_type: 'offline', prompt: 'consent' },
      scopeOnRefresh: false,
    };
  }
  return {
    kind,
    label: 'Microsoft',
    authorizeUrl: config.microsoftAuthorizeUrl,
    tokenUrl: config.microsoftTokenUrl,
    scopes: ['https://outlook.office.com/SMTP.Send', 'offline_access', 'openid', 'email'],
    authorizeParams: {},
    scopeOnRefresh: true,
  };
}

export function isProviderKind(kind: string): kind is ProviderKind {
  return kind === 'gmail' || kind === 'microsoft';
}
