/**
 * API keys: `pr_` + 32 random bytes, shown once. Only a SHA-256 of the key is stored (a key has
 * far more entropy than a password, so a fast hash is enough), with its first characters to tell
 * keys apart in a list.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Store } from '../store/index.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { InputError } from '../lib/input-error.js';
import { userFromRow, type User, type UsersContext } from './manage-users.js';

export interface ApiKeyView {
  id: string;
  userId: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

const hashKey = (key: string): string => createHash('sha256').update(key).digest('hex');
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export async function createApiKey(ctx: UsersContext, userId: string, name: string): Promise<{ key: string; apiKey: ApiKeyView }> {
  const label = name.trim();
  if (label.length === 0 || label.length > 100 || /[\u0000-\u001f\u007f]/.test(label)) throw new InputError('name', 'must be 1 to 100 printable characters');
  const key = `pr_${randomBytes(32).toString('base64url')}`;
  const now = ctx.clock.now();
  const row = { id: newId('key', now), user_id: userId, name: label, prefix: key.slice(0, 12), hash: hashKey(key), created_at: now, last_used_at: null, revoked_at: null };
  await ctx.store.db.insertInto('api_keys').values(row).execute();
  return { key, apiKey: view(row) };
}

export async function listApiKeys(store: Store, userId?: string): Promise<ApiKeyView[]> {
  let query = store.db.selectFrom('api_keys').selectAll().orderBy('created_at');
  if (userId) query = query.where('user_id', '=', userId);
  return (await query.execute()).map(view);
}

export async function revokeApiKey(ctx: UsersContext, id: string, userId?: string): Promise<ApiKeyView> {
  let query = ctx.store.db.updateTable('api_keys').set({ revoked_at: ctx.clock.now() }).where('id', '=', id).where('revoked_at', 'is', null);
  if (userId) query = query.where('user_id', '=', userId);
  const result = await query.executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) throw new InputError('id', `no active API key "${id}"`);
  return view(await ctx.store.db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
}

/** The user a key belongs to, or null for an unknown or revoked key. Notes when a key was last used, at most once a minute. */
export function createKeyAuthenticator(store: Store, clock: Clock): (key: string) => Promise<{ user: User; keyId: string } | null> {
  const touched = new Map<string, number>();
  return async (key) => {
    if (!key.startsWith('pr_') || key.length > 200) return null;
    const row = await store.db
      .selectFrom('api_keys')
      .innerJoin('users', 'users.id', 'api_keys.user_id')
      .selectAll('users')
      .select(['api_keys.id as key_id', 'api_keys.revoked_at as key_revoked_at'])
      .where('api_keys.hash', '=', hashKey(key))
      .executeTakeFirst();
    if (!row || row.key_revoked_at !== null) return null;
    const now = clock.now();
    if (now - (touched.get(row.key_id) ?? 0) > 60_000) {
      touched.set(row.key_id, now);
      await store.db.updateTable('api_keys').set({ last_used_at: now }).where('id', '=', row.key_id).execute();
    }
    return { user: userFromRow(row), keyId: row.key_id };
  };
}

function view(row: { id: string; user_id: string; name: string; prefix: string; created_at: number; last_used_at: number | null; revoked_at: number | null }): ApiKeyView {
  return { id: row.id, userId: row.user_id, name: row.name, prefix: row.prefix, createdAt: iso(row.created_at)!, lastUsedAt: iso(row.last_used_at), revokedAt: iso(row.revoked_at) };
}
