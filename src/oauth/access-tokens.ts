/**
 * Access tokens for one server's SMTP sessions (XOAUTH2). The stored token is used while it has
 * more than five minutes left, so a session never starts with one about to lapse; otherwise
 * the refresh token buys a new one (RFC 6749 §6), which is stored for every worker. `force`
 * means the server just refused the token we gave it (535, 4.7.x): a token another worker
 * stored since is tried first, else a refresh, whatever the expiry says.
 *
 * Callers at the same moment share one refresh. A grant the provider refuses for good
 * (`invalid_grant`, `invalid_client`, `unauthorized_client`) is marked revoked and the server
 * rests until a person connects the account again; every answer after that says so without
 * asking the provider, so no message spends an attempt on it.
 */
import type { OutgoingServer } from '../servers/server-record.js';
import { oauthProvider, type OAuthDeps, type ProviderKind } from './providers.js';
import { readGrant, reconnectReason, restUntilConnected, UNTIL_FURTHER_NOTICE, type Grant } from './grants.js';
import { requestToken } from './token-endpoint.js';

export type AccessTokenAnswer =
  | { ok: true; token: string }
  /** `rest`: nothing can be sent until the account is connected (again); null: try again later. */
  | { ok: false; detail: string; rest: { until: number; reason: string } | null };

export type AccessTokenSource = (force: boolean) => Promise<AccessTokenAnswer>;

/** Refresh this long before the provider's expiry. */
export const REFRESH_AHEAD_MS = 5 * 60_000;

type TokenServer = Pick<OutgoingServer, 'id' | 'name' | 'account'> & { kind: ProviderKind };

export function createAccessTokenSource(deps: OAuthDeps, server: TokenServer): AccessTokenSource {
  const provider = oauthProvider(server.kind, deps.oauth);
  const account = server.account ?? '';
  let inFlight: { force: boolean; answer: Promise<AccessTokenAnswer> } | null = null;
  /** The last token handed out: the one a `force` says was refused. */
  let handedOut: string | null = null;

  async function obtain(force: boolean): Promise<AccessTokenAnswer> {
    const grant = await readGrant(deps, server.id);
    if (!grant?.refreshToken) return rest(reconnectReason(provider.label, account, server.name, null), true);
    // Rested again even so: a person may have changed the server (which ends its rest) without reconnecting.
    if (grant.revokedAt !== null) return rest(grant.revokedReason ?? reconnectReason(provider.label, account, server.name, 'revoked'), true);
    const now = deps.clock.now();
    const fresh = grant.accessToken !== null && (grant.accessExpiresAt ?? 0) - now > REFRESH_AHEAD_MS;
    if (fresh && (!force || grant.accessToken !== handedOut)) return { ok: true, token: grant.accessToken! };
    return refresh(grant);
  }

  async function refresh(grant: Grant): Promise<AccessTokenAnswer> {
    const answer = await requestToken(deps.fetch ?? fetch, provider.tokenUrl, {
      grant_type: 'refresh_token',
      refresh_token: grant.refreshToken!,
      client_id: grant.clientId,
      ...(grant.clientSecret ? { client_secret: grant.clientSecret } : {}),
      ...(provider.scopeOnRefresh ? { scope: provider.scopes.join(' ') } : {}),
    });
    const now = deps.clock.now();
    if (!answer.ok) {
      if (!answer.needsConsent) return { ok: false, detail: `could not refresh the access token: ${answer.detail}`, rest: null };
      const reason = reconnectReason(provider.label, account, server.name, answer.error);
      await deps.store.db.updateTable('oauth_grants').set({ revoked_at: now, revoked_reason: reason, updated_at: now }).where('server_id', '=', server.id).execute();
      return rest(reason, true);
    }
    const { accessToken, expiresIn, refreshToken } = answer.grant;
    await deps.store.db
      .updateTable('oauth_grants')
      .set({
        access_token: deps.secrets.seal(accessToken),
        access_expires_at: now + expiresIn * 1000,
        // A provider that rotates refresh tokens (Microsoft may) sends a new one; else the old one stays.
        ...(refreshToken ? { refresh_token: deps.secrets.seal(refreshToken) } : {}),
        updated_at: now,
      })
      .where('server_id', '=', server.id)
      // A reconnect that happened meanwhile is not overwritten with tokens of the old grant.
      .where('updated_at', '=', grant.updatedAt)
      .execute();
    return { ok: true, token: accessToken };
  }

  async function rest(reason: string, putToRest: boolean): Promise<AccessTokenAnswer> {
    if (putToRest) await restUntilConnected(deps.store, server.id, reason);
    return { ok: false, detail: reason, rest: { until: UNTIL_FURTHER_NOTICE, reason } };
  }

  return async (force) => {
    // A refused token must not be answered with the same token by a lookup that began before the refusal.
    if (force && inFlight && !inFlight.force) await inFlight.answer;
    if (!inFlight) {
      const answer = obtain(force).finally(() => {
        if (inFlight?.answer === answer) inFlight = null;
      });
      inFlight = { force, answer };
    }
    const answer = await inFlight.answer;
    if (answer.ok) handedOut = answer.token;
    return answer;
  };
}
