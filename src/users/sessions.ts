/**
 * Login sessions for the web UI. The cookie carries a random token; the database keeps only its
 * SHA-256, the owner, the expiry, and the CSRF token that cookie-authenticated writes must send
 * back in a header (a cookie alone is sent by the browser on any site's request; a header is not).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Store } from '../store/index.js';
import { newId } from '../lib/ids.js';
import { userFromRow, type User, type UsersContext } from './manage-users.js';

export const SESSION_LIFETIME_MS = 12 * 3600_000;

const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

export interface Session {
  user: User;
  csrfToken: string;
  expiresAt: number;
}

export async function createSession(ctx: UsersContext, userId: string): Promise<{ token: string; csrfToken: string; expiresAt: number }> {
  const now = ctx.clock.now();
  const token = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(24).toString('base64url');
  const expiresAt = now + SESSION_LIFETIME_MS;
  await ctx.store.db
    .insertInto('sessions')
    .values({ id: newId('ses', now), user_id: userId, token_hash: hashToken(token), csrf_token: csrfToken, created_at: now, expires_at: expiresAt })
    .execute();
  // Expired sessions are swept as new ones are made.
  await ctx.store.db.deleteFrom('sessions').where('expires_at', '<', now).execute();
  return { token, csrfToken, expiresAt };
}

export async function findSession(ctx: UsersContext, token: string): Promise<Session | null> {
  if (token.length > 200) return null;
  const row = await ctx.store.db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .selectAll('users')
    .select(['sessions.csrf_token', 'sessions.expires_at as session_expires_at'])
    .where('sessions.token_hash', '=', hashToken(token))
    .executeTakeFirst();
  if (!row || row.session_expires_at <= ctx.clock.now()) return null;
  return { user: userFromRow(row), csrfToken: row.csrf_token, expiresAt: row.session_expires_at };
}

export async function endSession(store: Store, token: string): Promise<void> {
  await store.db.deleteFrom('sessions').where('token_hash', '=', hashToken(token)).execute();
}

/** Ends every session of a user (after a password change, say), except the one given. */
export async function endOtherSessions(store: Store, userId: string, keepToken: string | null): Promise<void> {
  let query = store.db.deleteFrom('sessions').where('user_id', '=', userId);
  if (keepToken) query = query.where('token_hash', '!=', hashToken(keepToken));
  await query.execute();
}
