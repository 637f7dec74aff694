/**
 * SMTP credentials: how an application that speaks only SMTP logs in to the relay. Separate from
 * login passwords and API keys, so an ERP's mail settings never hold a person's password. The
 * username is public (`smtp_…`); the password is 32 random bytes, shown once, stored as a
 * SHA-256 (it has far more entropy than a person's password, so a fast hash is enough, and AUTH
 * costs no CPU an attacker could make us spend).
 *
 * A credential may send only as the addresses and domains of its `allowed_from` (never empty,
 * so a stolen credential cannot send as anyone), in one lane (transactional or bulk) and, when
 * bound, only through one server. It may ask for open and click tracking of its messages' HTML.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { SmtpCredentialsTable, Store } from '../store/index.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { InputError, inputErrorFromZod } from '../lib/input-error.js';
import { checkFromFilter, parseFromFilter } from '../servers/from-filter.js';
import { findServer } from '../servers/manage-servers.js';
import { domainOf } from '../spool/addresses.js';
import { userFromRow, type User, type UsersContext } from './manage-users.js';

export type SmtpLane = SmtpCredentialsTable['lane'];

export interface SmtpCredentialView {
  id: string;
  userId: string;
  name: string;
  username: string;
  allowedFrom: string[];
  lane: SmtpLane;
  /** The server its mail must go through, by name (null: routing decides). */
  server: string | null;
  /** Open and click tracking for its messages (a message's X-Postroom-Track header overrides it). */
  track: { opens: boolean; clicks: boolean };
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** What the relay knows of a session's credential once AUTH succeeded. */
export interface SmtpLogin {
  credentialId: string;
  username: string;
  user: User;
  allowedFrom: string;
  lane: SmtpLane;
  serverId: string | null;
  track: { opens: boolean; clicks: boolean };
}

const hashPassword = (password: string): Buffer => createHash('sha256').update(password, 'utf8').digest();
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export const newCredentialSchema = z.object({
  name: z.string().trim().min(1, 'must not be empty').max(100).regex(/^[^\u0000-\u001f\u007f]*$/, 'must be printable').default('SMTP relay'),
  allowFrom: z
    .string()
    .trim()
    .optional()
    .refine((v) => v === undefined || parseFromFilter(v).length > 0, 'must name at least one address or domain')
    .superRefine((v, ctx) => {
      const problem = v === undefined ? null : checkFromFilter(v);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .describe('From addresses and domains it may send as, comma-separated (default: the domain of the user\'s own address)'),
  lane: z.enum(['transactional', 'bulk']).default('transactional'),
  server: z.string().trim().min(1).optional().describe('Server (name or id) all its mail goes through'),
  trackOpens: z.boolean().default(false).describe('Add the open pixel to the HTML of its messages'),
  trackClicks: z.boolean().default(false).describe('Turn the links in the HTML of its messages into click links'),
});
export type NewCredentialInput = z.input<typeof newCredentialSchema>;

export async function createSmtpCredential(ctx: UsersContext, userId: string, input: NewCredentialInput): Promise<{ password: string; credential: SmtpCredentialView }> {
  const parsed = newCredentialSchema.safeParse(input);
  if (!parsed.success) throw inputErrorFromZod(parsed.error);
  const user = await ctx.store.db.selectFrom('users').select(['email']).where('id', '=', userId).executeTakeFirst();
  if (!user) throw new InputError('user', `no user "${userId}"`);
  const { name, lane, trackOpens, trackClicks } = parsed.data;
  const allowedFrom = parseFromFilter(parsed.data.allowFrom ?? domainOf(user.email)).join(', ');
  const server = parsed.data.server ? await findServer(ctx.store, parsed.data.server) : null;
  const password = randomBytes(32).toString('base64url');
  const now = ctx.clock.now();
  const row = {
    id: newId('smc', now),
    user_id: userId,
    name,
    username: `smtp_${randomBytes(9).toString('base64url').replace(/[-_]/g, 'x').toLowerCase()}`,
    password_hash: hashPassword(password).toString('hex'),
    allowed_from: allowedFrom,
    lane,
    server_id: server?.id ?? null,
    track_opens: trackOpens ? 1 : 0,
    track_clicks: trackClicks ? 1 : 0,
    created_at: now,
    last_used_at: null,
    revoked_at: null,
  };
  await ctx.store.db.insertInto('smtp_credentials').values(row).execute();
  return { password, credential: view(row, server?.name ?? null) };
}

export async function listSmtpCredentials(store: Store, userId?: string): Promise<SmtpCredentialView[]> {
  let query = credentialRows(store).orderBy('smtp_credentials.created_at');
  if (userId) query = query.where('smtp_credentials.user_id', '=', userId);
  return (await query.execute()).map((row) => view(row, row.server_name));
}

/** Credentials with the name of the server they are bound to. */
function credentialRows(store: Store) {
  return store.db.selectFrom('smtp_credentials').leftJoin('servers', 'servers.id', 'smtp_credentials.server_id').selectAll('smtp_credentials').select('servers.name as server_name');
}

/** Revokes a credential by id or username; sessions logged in with it are refused at their next message. */
export async function revokeSmtpCredential(ctx: UsersContext, idOrUsername: string, userId?: string): Promise<SmtpCredentialView> {
  let query = ctx.store.db
    .updateTable('smtp_credentials')
    .set({ revoked_at: ctx.clock.now() })
    .where((eb) => eb.or([eb('id', '=', idOrUsername), eb('username', '=', idOrUsername)]))
    .where('revoked_at', 'is', null);
  if (userId) query = query.where('user_id', '=', userId);
  const result = await query.executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) throw new InputError('id', `no active SMTP credential "${idOrUsername}"`);
  const row = await credentialRows(ctx.store)
    .where((eb) => eb.or([eb('smtp_credentials.id', '=', idOrUsername), eb('smtp_credentials.username', '=', idOrUsername)]))
    .executeTakeFirstOrThrow();
  return view(row, row.server_name);
}

/**
 * Checks a username and password. An unknown username and a wrong password take the same path
 * and answer the same null, so AUTH tells an attacker nothing about which usernames exist.
 */
export function createSmtpAuthenticator(store: Store, clock: Clock): (username: string, password: string) => Promise<SmtpLogin | null> {
  const decoy = hashPassword('no such credential');
  const touched = new Map<string, number>();
  return async (username, password) => {
    const row =
      username.length <= 100
        ? await store.db
            .selectFrom('smtp_credentials')
            .innerJoin('users', 'users.id', 'smtp_credentials.user_id')
            .selectAll('users')
            .select(['smtp_credentials.id as credential_id', 'smtp_credentials.password_hash as credential_hash', 'smtp_credentials.allowed_from', 'smtp_credentials.lane', 'smtp_credentials.server_id', 'smtp_credentials.revoked_at', 'smtp_credentials.track_opens', 'smtp_credentials.track_clicks'])
            .where('smtp_credentials.username', '=', username)
            .executeTakeFirst()
        : undefined;
    const expected = row ? Buffer.from(row.credential_hash, 'hex') : decoy;
    const matches = timingSafeEqual(hashPassword(password), expected);
    if (!row || !matches || row.revoked_at !== null) return null;
    const now = clock.now();
    if (now - (touched.get(row.credential_id) ?? 0) > 60_000) {
      touched.set(row.credential_id, now);
      await store.db.updateTable('smtp_credentials').set({ last_used_at: now }).where('id', '=', row.credential_id).execute();
    }
    return { credentialId: row.credential_id, username, user: userFromRow(row), allowedFrom: row.allowed_from, lane: row.lane, serverId: row.server_id, track: { opens: row.track_opens === 1, clicks: row.track_clicks === 1 } };
  };
}

/** Whether a credential is still good (not revoked since the session logged in). */
export async function credentialActive(store: Store, credentialId: string): Promise<boolean> {
  const row = await store.db.selectFrom('smtp_credentials').select('revoked_at').where('id', '=', credentialId).executeTakeFirst();
  return !!row && row.revoked_at === null;
}

function view(row: Omit<SmtpCredentialsTable, 'password_hash'> & { password_hash?: string }, serverName: string | null): SmtpCredentialView {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    username: row.username,
    allowedFrom: parseFromFilter(row.allowed_from),
    lane: row.lane,
    server: row.server_id ? (serverName ?? row.server_id) : null,
    track: { opens: row.track_opens === 1, clicks: row.track_clicks === 1 },
    createdAt: iso(row.created_at)!,
    lastUsedAt: iso(row.last_used_at),
    revokedAt: iso(row.revoked_at),
  };
}
