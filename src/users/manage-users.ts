import { z } from 'zod';
import type { Store, UserRole, UserRow } from '../store/index.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { InputError, inputErrorFromZod } from '../lib/input-error.js';
import { isValidAddress } from '../spool/addresses.js';
import { generatePassword, hashPassword, verifyPassword } from './passwords.js';

export interface User {
  id: string;
  email: string;
  role: UserRole;
  mustChangePassword: boolean;
  createdAt: number;
}

export function userFromRow(row: UserRow): User {
  return { id: row.id, email: row.email, role: row.role, mustChangePassword: row.must_change_password === 1, createdAt: row.created_at };
}

const newUserSchema = z.object({
  email: z
    .string()
    .trim()
    .toLowerCase()
    .refine((v) => isValidAddress(v), 'must be an email address'),
  role: z.enum(['admin', 'sender']),
  password: z.string().min(12, 'must be at least 12 characters').max(1000),
});

export interface UsersContext {
  store: Store;
  clock: Clock;
}

export async function createUser(ctx: UsersContext, input: { email: string; role: string; password: string; mustChangePassword?: boolean }): Promise<User> {
  const parsed = newUserSchema.safeParse(input);
  if (!parsed.success) throw inputErrorFromZod(parsed.error);
  const { email, role, password } = parsed.data;
  const clash = await ctx.store.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst();
  if (clash) throw new InputError('email', `a user with email ${email} already exists`);
  const now = ctx.clock.now();
  const row = {
    id: newId('usr', now),
    email,
    role,
    password_hash: await hashPassword(password),
    must_change_password: input.mustChangePassword ? 1 : 0,
    created_at: now,
    updated_at: now,
  };
  await ctx.store.db.insertInto('users').values(row).execute();
  return userFromRow(row);
}

export async function findUser(store: Store, emailOrId: string, field = 'user'): Promise<User> {
  const key = emailOrId.trim();
  const row = await store.db
    .selectFrom('users')
    .selectAll()
    .where((eb) => eb.or([eb('email', '=', key.toLowerCase()), eb('id', '=', key)]))
    .executeTakeFirst();
  if (!row) throw new InputError(field, `no user "${key}"`);
  return userFromRow(row);
}

export async function listUsers(store: Store): Promise<User[]> {
  return (await store.db.selectFrom('users').selectAll().orderBy('created_at').execute()).map(userFromRow);
}

/** Email and password, or null; the same answer for an unknown email and a wrong password. */
export async function checkLogin(store: Store, email: string, password: string): Promise<User | null> {
  const row = await store.db.selectFrom('users').selectAll().where('email', '=', email.trim().toLowerCase()).executeTakeFirst();
  if (!row) {
    await hashPassword(password); // the same work either way, so timing does not tell which
    return null;
  }
  return (await verifyPassword(password, row.password_hash)) ? userFromRow(row) : null;
}

/**
 * On a database without users, creates an admin with a one-time password, to be shown once and
 * changed at first login. Returns null when users exist.
 */
export async function ensureFirstAdmin(ctx: UsersContext, email = 'admin@postroom.local'): Promise<{ user: User; password: string } | null> {
  const any = await ctx.store.db.selectFrom('users').select('id').limit(1).executeTakeFirst();
  if (any) return null;
  const password = generatePassword();
  const user = await createUser(ctx, { email, role: 'admin', password, mustChangePassword: true });
  return { user, password };
}

/** Changes a user's password after checking the current one; clears "must change password". */
export async function changePassword(ctx: UsersContext, userId: string, currentPassword: string, newPassword: string): Promise<void> {
  const row = await ctx.store.db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
  if (!row || !(await verifyPassword(currentPassword, row.password_hash))) throw new InputError('currentPassword', 'is not the current password');
  const parsed = newUserSchema.shape.password.safeParse(newPassword);
  if (!parsed.success) throw new InputError('newPassword', parsed.error.issues[0]?.message ?? 'invalid');
  if (newPassword === currentPassword) throw new InputError('newPassword', 'must differ from the current password');
  await ctx.store.db
    .updateTable('users')
    .set({ password_hash: await hashPassword(newPassword), must_change_password: 0, updated_at: ctx.clock.now() })
    .where('id', '=', userId)
    .execute();
}
