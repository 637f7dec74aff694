/**
 * Sending domains and their DKIM keys. A domain has at most one `active` key (the one mail is
 * signed with) and, during a rotation, one `pending` key published beside it until its DNS check
 * passes; replaced keys stay `retired` so their selectors can be found and unpublished. Private
 * keys are stored sealed with the secret key (AES-256-GCM), never in the clear.
 */
import type { Kysely } from 'kysely';
import { dialectOf } from '../dialect.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  const time = dialectOf(db) === 'postgres' ? 'bigint' : 'integer';
  await db.schema
    .createTable('domains')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .addColumn('checked_at', time)
    /** JSON: the last live DNS check (see domains/check-domain.ts). */
    .addColumn('last_check', 'text')
    .execute();
  await db.schema
    .createTable('dkim_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('domain_id', 'text', (c) => c.notNull())
    .addColumn('selector', 'text', (c) => c.notNull())
    .addColumn('algorithm', 'text', (c) => c.notNull())
    .addColumn('private_key', 'text', (c) => c.notNull())
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('activated_at', time)
    .addUniqueConstraint('dkim_keys_domain_selector', ['domain_id', 'selector'])
    .execute();
}
