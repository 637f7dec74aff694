/**
 * The schema's migrations and the one way they are applied.
 *
 * Forward only, in order, each in a transaction of its own that also records it in
 * `kysely_migration` (the table Kysely's Migrator kept, so databases it migrated carry on): a
 * migration that fails leaves nothing of itself behind, and the ones before it stay applied.
 * Kysely's Migrator is not used to run them: on SQLite it runs migrations outside any
 * transaction (its SQLite adapter reports no transactional DDL, though SQLite has it).
 *
 * A database that records a migration this build does not know was migrated by a newer
 * Postroom: it is refused before anything is written, so an older binary never runs against a
 * schema it does not understand.
 */
import { sql, type Kysely, type Migration, type Transaction } from 'kysely';
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
import * as retention from './migrations/0013-retention.js';
import * as smtpTracking from './migrations/0014-smtp-tracking.js';
import { dialectOf } from './dialect.js';
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
  '0013-retention': retention,
  '0014-smtp-tracking': smtpTracking,
};

const TABLE = 'kysely_migration';
const isPostgres = (db: Kysely<Database> | Transaction<Database>): boolean => dialectOf(db as unknown as Kysely<unknown>) === 'postgres';
/** pg_advisory_xact_lock key: processes starting together (serve and workers) migrate one at a time. */
const PG_LOCK = 7_245_001;

export interface MigrateResult {
  applied: string[];
}

export interface MigrateOptions {
  /** Stop after this migration rather than at the latest (tests build "older" databases so). */
  upTo?: string;
}

/** The migrations this build knows, in order. */
export function knownMigrations(): Record<string, Migration> {
  return { ...migrations };
}

/** Brings the schema up to date (or up to `options.upTo`). Refuses a schema newer than this build. */
export async function migrateToLatest(db: Kysely<Database>, options: MigrateOptions = {}): Promise<MigrateResult> {
  return runMigrations(db, migrations, options);
}

/** The schema is newer than this build: the error names the migrations it does not know. */
export class SchemaTooNewError extends Error {
  constructor(readonly unknown: string[]) {
    const list = unknown.length === 1 ? `migration ${unknown[0]}` : `migrations ${unknown.join(', ')}`;
    super(`this database's schema is newer than this Postroom (it has ${list}, unknown here): upgrade Postroom, or restore a backup taken before the upgrade`);
    this.name = 'SchemaTooNewError';
  }
}

/**
 * Applies `list`'s pending migrations in order, each in its own transaction. Exported apart from
 * migrateToLatest so a test can hand in a list with a migration that fails.
 */
export async function runMigrations(db: Kysely<Database>, list: Record<string, Migration>, options: MigrateOptions = {}): Promise<MigrateResult> {
  const names = Object.keys(list).sort();
  const last = options.upTo ?? names.at(-1);
  if (last !== undefined && !names.includes(last)) throw new Error(`migrate: no migration named "${last}"`);
  const wanted = last === undefined ? [] : names.slice(0, names.indexOf(last) + 1);

  // Read before anything is written: a newer schema is refused untouched.
  const before = await recordedMigrations(db);
  const unknown = before.filter((name) => !(name in list));
  if (unknown.length) throw new SchemaTooNewError(unknown);
  if (wanted.every((name) => before.includes(name))) return { applied: [] };

  await ensureTable(db);
  const applied: string[] = [];
  for (const name of wanted) {
    const ran = await db.transaction().execute(async (trx) => {
      if (isPostgres(trx)) await sql`select pg_advisory_xact_lock(${sql.lit(PG_LOCK)})`.execute(trx);
      // Read again under the lock: another process may have applied it (or a newer one) meanwhile.
      const recorded = await recordedMigrations(trx);
      const newer = recorded.filter((n) => !(n in list));
      if (newer.length) throw new SchemaTooNewError(newer);
      if (recorded.includes(name)) return false;
      try {
        await list[name]!.up(trx as unknown as Kysely<unknown>);
      } catch (error) {
        throw new Error(`migration ${name} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
      await trx.insertInto(TABLE as never).values({ name, timestamp: new Date().toISOString() } as never).execute();
      return true;
    });
    if (ran) applied.push(name);
  }
  return { applied };
}

/** The names recorded in kysely_migration; none when the table does not exist yet. */
async function recordedMigrations(db: Kysely<Database> | Transaction<Database>): Promise<string[]> {
  const exists =
    isPostgres(db)
      ? await sql<{ n: number }>`select count(*)::int as n from information_schema.tables where table_schema = current_schema() and table_name = ${TABLE}`.execute(db)
      : await sql<{ n: number }>`select count(*) as n from sqlite_master where type = 'table' and name = ${TABLE}`.execute(db);
  if (Number(exists.rows[0]?.n ?? 0) === 0) return [];
  const rows = await sql<{ name: string }>`select name from ${sql.table(TABLE)} order by name`.execute(db);
  return rows.rows.map((r) => r.name);
}

/** Kysely's own table, made as its Migrator made it. */
async function ensureTable(db: Kysely<Database>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    if (isPostgres(trx)) await sql`select pg_advisory_xact_lock(${sql.lit(PG_LOCK)})`.execute(trx);
    await trx.schema
      .createTable(TABLE)
      .ifNotExists()
      .addColumn('name', 'varchar(255)', (c) => c.notNull().primaryKey())
      .addColumn('timestamp', 'varchar(255)', (c) => c.notNull())
      .execute();
  });
}

export interface SchemaStatus {
  /** Migrations this database has had, in order. */
  applied: string[];
  /** Migrations this Postroom knows and the database has not had yet. */
  pending: string[];
  /** Migrations the database has had that this Postroom does not know: the schema is newer than this binary. */
  unknown: string[];
}

/** Where the database's schema stands against the migrations this build knows. Reads only. */
export async function schemaStatus(db: Kysely<Database>): Promise<SchemaStatus> {
  const recorded = await recordedMigrations(db);
  const known = Object.keys(migrations).sort();
  return {
    applied: known.filter((name) => recorded.includes(name)),
    pending: known.filter((name) => !recorded.includes(name)),
    unknown: recorded.filter((name) => !(name in migrations)),
  };
}
