import { Migrator, type Migration, type MigrationProvider, type Kysely } from 'kysely';
import * as spool from './migrations/0001-spool.js';
import * as serverSlots from './migrations/0002-server-slots.js';
import * as users from './migrations/0003-users.js';
import * as sessions from './migrations/0004-sessions.js';
import * as webhooks from './migrations/0005-webhooks.js';
import * as contacts from './migrations/0006-contacts.js';
import * as templates from './migrations/0007-templates.js';
import * as campaigns from './migrations/0008-campaigns.js';
import * as domains from './migrations/0009-domains.js';
import * as feedback from './migrations/0010-feedback.js';
import * as deliveryPaths from './migrations/0011-delivery-paths.js';
import * as smtpRelay from './migrations/0012-smtp-relay.js';
import type { Database } from './tables.js';

/** Migrations are listed here rather than read from a folder, so the built package needs no file lookups. */
const migrations: Record<string, Migration> = {
  '0001-spool': spool,
  '0002-server-slots': serverSlots,
  '0003-users': users,
  '0004-sessions': sessions,
  '0005-webhooks': webhooks,
  '0006-contacts': contacts,
  '0007-templates': templates,
  '0008-campaigns': campaigns,
  '0009-domains': domains,
  '0010-feedback': feedback,
  '0011-delivery-paths': deliveryPaths,
  '0012-smtp-relay': smtpRelay,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

export interface MigrateResult {
  applied: string[];
}

/** Brings the schema up to date. Forward only; each migration runs in its own transaction. */
export async function migrateToLatest(db: Kysely<Database>): Promise<MigrateResult> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`migration ${failed ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}
