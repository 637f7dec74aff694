/**
 * A server's OAuth 2.0 grant in `oauth_grants`, and the rest a server takes while its account
 * must be (re)connected. Tokens and the client secret are sealed at rest; they are opened only
 * here. None of these writes touch `servers.updated_at`: that would make every worker rebuild
 * the server's sessions.
 */
import type { Store, OAuthGrantsTable } from '../store/index.js';
import type { SecretBox } from '../servers/secret-box.js';

/**
 * A rest "until further notice": only a person connecting the account ends it. It is the only
 * rest this long, so connecting may end it without mistaking another pause for it.
 */
export const UNTIL_FURTHER_NOTICE = 8_640_000_000_000_000;

export interface Grant {
  serverId: string;
  clientId: string;
  clientSecret: string | null;
  account: string | null;
  refreshToken: string | null;
  accessToken: string | null;
  accessExpiresAt: number | null;
  revokedAt: number | null;
  revokedReason: string | null;
  updatedAt: number;
}

export interface GrantStore {
  store: Store;
  secrets: SecretBox;
}

export async function readGrant(ctx: GrantStore, serverId: string): Promise<Grant | null> {
  const row = await ctx.store.db.selectFrom('oauth_grants').selectAll().where('server_id', '=', serverId).executeTakeFirst();
  return row ? grantFromRow(ctx.secrets, row) : null;
}

function grantFromRow(box: SecretBox, row: OAuthGrantsTable): Grant {
  const open = (sealed: string | null): string | null => (sealed === null ? null : box.open(sealed));
  return {
    serverId: row.server_id,
    clientId: row.client_id,
    clientSecret: open(row.client_secret),
    account: row.account,
    refreshToken: open(row.refresh_token),
    accessToken: open(row.access_token),
    accessExpiresAt: row.access_expires_at,
    revokedAt: row.revoked_at,
    revokedReason: row.revoked_reason,
    updatedAt: row.updated_at,
  };
}

/** Whether a server's grant is in place, for views: connected (has a refresh token, not revoked), revoked, and the OAuth client kept for connecting. */
export async function grantStatus(store: Store, serverId: string): Promise<{ connected: boolean; revoked: boolean; clientId: string | null }> {
  const row = await store.db.selectFrom('oauth_grants').select(['refresh_token', 'revoked_at', 'client_id']).where('server_id', '=', serverId).executeTakeFirst();
  return { connected: !!row?.refresh_token && row.revoked_at === null, revoked: !!row && row.revoked_at !== null, clientId: row?.client_id || null };
}

/**
 * Puts the server to rest until its account is connected (again), with `reason` for people.
 * `pause_count` is left alone: this is not a provider's pause that should grow.
 */
export async function restUntilConnected(store: Store, serverId: string, reason: string): Promise<void> {
  await store.db.updateTable('servers').set({ paused_until: UNTIL_FURTHER_NOTICE, pause_reason: reason }).where('id', '=', serverId).execute();
}

/** Why a server rests: its grant was refused (`error` as the provider said it), or it was never connected. */
export function reconnectReason(label: string, account: string, serverName: string, error: string | null): string {
  const how = `(postroom server connect ${serverName.includes(' ') ? JSON.stringify(serverName) : serverName}, or Settings → Servers → Connect)`;
  return error === null
    ? `${label} account ${account} is not connected yet: connect the account ${how}`
    : `${label} access for ${account} was revoked (${error}): reconnect the account ${how}`;
}
