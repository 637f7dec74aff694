/**
 * Step two of connecting an account: the provider sent the browser back with `state` and a
 * `code`. The state is taken once (deleted as it is read) and must not have expired; the code
 * is traded at the token endpoint with the PKCE verifier (RFC 7636 §4.5) for a refresh token and
 * a first access token, which are stored sealed. A grant that was revoked counts as connected
 * again, and a server resting until its account was connected goes back to work: the messages
 * it held are due at once.
 *
 * The answer is a result, not an exception: both callers (the loopback listener of `postroom
 * server connect` and the API's callback) turn a failure into a page or a line for a person.
 */
import { findServer } from '../servers/manage-servers.js';
import type { OutgoingServer } from '../servers/server-record.js';
import { isProviderKind, oauthProvider, type OAuthDeps } from './providers.js';
import { readGrant, UNTIL_FURTHER_NOTICE } from './grants.js';
import { idTokenAccount, requestToken } from './token-endpoint.js';

export interface CallbackInput {
  state: string;
  code?: string | undefined;
  /** The provider's error (RFC 6749 §4.1.2.1), e.g. `access_denied` when the person said no. */
  error?: string | undefined;
  errorDescription?: string | undefined;
}

export type Completed =
  | { ok: true; server: OutgoingServer; account: string }
  /** `server`: the server the attempt was for, when the state was known. */
  | { ok: false; reason: string; server: OutgoingServer | null };

export async function completeAuthorization(deps: OAuthDeps, input: CallbackInput): Promise<Completed> {
  const now = deps.clock.now();
  const taken = await deps.store.db.deleteFrom('oauth_states').where('state', '=', input.state).returningAll().executeTakeFirst();
  if (!taken) return { ok: false, reason: 'unknown or already used authorization (start connecting again)', server: null };
  const server = await findServer(deps.store, taken.server_id).catch(() => null);
  if (!server || !isProviderKind(server.kind) || !server.account) return { ok: false, reason: 'the server of this authorization no longer exists', server: null };
  if (taken.expires_at <= now) return { ok: false, reason: 'the authorization took longer than 10 minutes (start connecting again)', server };
  if (input.error) {
    const why = input.errorDescription ? `: ${input.errorDescription.split(/\r?\n/)[0]}` : '';
    return { ok: false, reason: `${oauthProvider(server.kind, deps.oauth).label} answered ${input.error}${why}`, server };
  }
  if (!input.code) return { ok: false, reason: 'the provider sent no authorization code', server };

  const provider = oauthProvider(server.kind, deps.oauth);
  const grant = await readGrant(deps, server.id);
  if (!grant) return { ok: false, reason: 'the OAuth client of this server is missing (start connecting again)', server };
  const answer = await requestToken(deps.fetch ?? fetch, provider.tokenUrl, {
    grant_type: 'authorization_code',
    code: input.code,
    redirect_uri: taken.redirect_uri,
    client_id: grant.clientId,
    ...(grant.clientSecret ? { client_secret: grant.clientSecret } : {}),
    code_verifier: deps.secrets.open(taken.code_verifier),
  });
  if (!answer.ok) return { ok: false, reason: answer.detail, server };
  const signedIn = answer.grant.idToken ? idTokenAccount(answer.grant.idToken) : null;
  // XOAUTH2 names the account; a token for another account would be refused at every send.
  if (signedIn && signedIn !== server.account.toLowerCase()) {
    return { ok: false, reason: `signed in as ${signedIn}, but server "${server.name}" sends as ${server.account}: sign in with that account`, server };
  }
  if (!answer.grant.refreshToken) {
    return { ok: false, reason: `${provider.label} gave no refresh token: remove Postroom's access in the account's security settings, then connect again`, server };
  }

  const tokens = answer.grant;
  await deps.store.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('oauth_grants')
      .set({
        account: server.account,
        refresh_token: deps.secrets.seal(tokens.refreshToken!),
        access_token: deps.secrets.seal(tokens.accessToken),
        access_expires_at: now + tokens.expiresIn * 1000,
        revoked_at: null,
        revoked_reason: null,
        updated_at: now,
      })
      .where('server_id', '=', server.id)
      .execute();
    const rested = await trx
      .updateTable('servers')
      .set({ paused_until: null, pause_reason: null })
      .where('id', '=', server.id)
      .where('paused_until', '=', UNTIL_FURTHER_NOTICE)
      .executeTakeFirst();
    if (Number(rested.numUpdatedRows) > 0) {
      // Held "until further notice" with the server: due now, and still not an attempt spent.
      await trx
        .updateTable('recipients')
        .set({ next_attempt_at: now })
        .where('server_id', '=', server.id)
        .where('status', 'in', ['queued', 'deferred'])
        .where('next_attempt_at', '>=', UNTIL_FURTHER_NOTICE)
        .execute();
    }
  });
  return { ok: true, server: await findServer(deps.store, server.id), account: server.account };
}
