/**
 * The SMTP relay for applications.
 *
 *   smtp_credentials  per user, separate from login passwords and API keys: a username and a
 *                     SHA-256 of a random password (shown once), the From addresses and
 *                     domains it may use, the lane its mail takes (transactional or bulk) and
 *                     optionally the server it must go through; revocable
 *   messages          gain the credential a message was submitted with (null: not by SMTP)
 */
import type { Kysely } from 'kysely';
import { dialectOf } from '../dialect.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  const time = dialectOf(db) === 'postgres' ? 'bigint' : 'integer';

  await db.schema
    .createTable('smtp_credentials')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('username', 'text', (c) => c.notNull().unique())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('allowed_from', 'text', (c) => c.notNull())
    .addColumn('lane', 'text', (c) => c.notNull().defaultTo('transactional'))
    .addColumn('server_id', 'text')
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('last_used_at', time)
    .addColumn('revoked_at', time)
    .execute();
  await db.schema.createIndex('smtp_credentials_user').on('smtp_credentials').column('user_id').execute();
  await db.schema.alterTable('messages').addColumn('smtp_credential_id', 'text').execute();
}
