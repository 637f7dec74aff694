/**
 * Step one of connecting a Gmail or Microsoft account: the authorization code flow (RFC 6749
 * §4.1) with PKCE (RFC 7636). A random `state` (§10.12) names this attempt; the code verifier
 * stays here, sealed, and only its S256 challenge goes to the provider. The person opens the
 * returned address, signs in, and the provider sends the browser back to `redirectUri` with a
 * code (complete-authorization.ts). An attempt is good for 10 minutes.
 *
 * The client (id and secret, made in Google Cloud or Microsoft Entra) is stored with the grant;
 * a later connect may leave it out to keep the one stored.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { OutgoingServer } from '../servers/server-record.js';
import { InputError } from '../lib/input-error.js';
import { isProviderKind, oauthProvider, type OAuthDeps } from './providers.js';
import { readGrant } from './grants.js';

export interface StartInput {
  redirectUri: string;
  clientId?: string | undefined;
  clientSecret?: string | undefined;
}

export interface Started {
  authorizeUrl: string;
  state: string;
  redirectUri: string;
  expiresAt: number;
}

const STATE_LIFETIME_MS = 10 * 60_000;

export async function startAuthorization(deps: OAuthDeps, server: OutgoingServer, input: StartInput): Promise<Started> {
  if (!isProviderKind(server.kind) || server.auth !== 'oauth2' || !server.account) {
    throw new InputError('server', `"${server.name}" is not a Gmail or Microsoft server with oauth2 authentication`);
  }
  const redirectUri = checkRedirectUri(input.redirectUri);
  const provider = oauthProvider(server.kind, deps.oauth);
  const now = deps.clock.now();
  const existing = await readGrant(deps, server.id);
  const clientId = input.clientId?.trim() || existing?.clientId;
  if (!clientId) throw new InputError('clientId', `is required: the OAuth client id of the ${provider.label} app Postroom signs in with`);
  if (/[\r\n\s]/.test(clientId) || clientId.length > 500) throw new InputError('clientId', 'must be one word without spaces');
  if (input.clientSecret !== undefined && input.clientSecret.length > 2000) throw new InputError('clientSecret', 'is too long');
  const clientSecret = input.clientSecret || (existing?.clientId === clientId ? existing.clientSecret : null);

  const verifier = base64url(randomBytes(32));
  const state = base64url(randomBytes(32));
  await deps.store.db.transaction().execute(async (trx) => {
    const sealedSecret = clientSecret === null ? null : deps.secrets.seal(clientSecret);
    if (!existing) {
      await trx
        .insertInto('oauth_grants')
        .values({ server_id: server.id, provider: server.kind as 'gmail' | 'microsoft', client_id: clientId, client_secret: sealedSecret, account: server.account, refresh_token: null, access_token: null, access_expires_at: null, revoked_at: null, revoked_reason: null, created_at: now, updated_at: now })
        .execute();
    } else if (existing.clientId !== clientId || input.clientSecret) {
      // Tokens belong to the client that obtained them: another client starts without any.
      const tokens = existing.clientId !== clientId ? { refresh_token: null, access_token: null, access_expires_at: null } : {};
      await trx.updateTable('oauth_grants').set({ client_id: clientId, client_secret: sealedSecret, ...tokens, updated_at: now }).where('server_id', '=', server.id).execute();
    }
    await trx.deleteFrom('oauth_states').where('expires_at', '<', now).execute();
    await trx
      .insertInto('oauth_states')
      .values({ state, server_id: server.id, code_verifier: deps.secrets.seal(verifier), redirect_uri: redirectUri, created_at: now, expires_at: now + STATE_LIFETIME_MS })
      .execute();
  });

  const url = new URL(provider.authorizeUrl);
  const params: Record<string, string> = {
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    scope: provider.scopes.join(' '),
    state,
    code_challenge: pkceChallenge(verifier),
    code_challenge_method: 'S256',
    // Preselects the account the server sends as in the provider's account chooser.
    login_hint: server.account,
    ...provider.authorizeParams,
  };
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  return { authorizeUrl: url.toString(), state, redirectUri, expiresAt: now + STATE_LIFETIME_MS };
}

/** RFC 7636 §4.2: BASE64URL(SHA256(ASCII(code_verifier))). */
export function pkceChallenge(verifier: string): string {
  return base64url(createHash('sha256').update(verifier, 'ascii').digest());
}

/** RFC 7636 §4.1: 32 random octets make a 43-character verifier. */
function base64url(bytes: Buffer): string {
  return bytes.toString('base64url');
}

/** An absolute http(s) address without a fragment (RFC 6749 §3.1.2). */
function checkRedirectUri(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InputError('redirectUri', 'must be an absolute http:// or https:// address');
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hash || /[\r\n]/.test(value)) {
    throw new InputError('redirectUri', 'must be an absolute http:// or https:// address without a #fragment');
  }
  return value;
}
