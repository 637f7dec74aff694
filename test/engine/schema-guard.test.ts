/**
 * Upgrades, both ways: a fresh database migrates to the latest schema; an older one is migrated
 * forward by openApp, keeping its data; a database migrated by a newer Postroom (a migration
 * this build does not know) is refused with one clear line and left untouched, by the library
 * and by the CLI; a migration that fails leaves nothing of itself behind.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import { pino } from 'pino';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../helpers/databases.js';
import { loadConfig } from '../../src/config/index.js';
import { openApp } from '../../src/app/open-app.js';
import { openStore, schemaStatus, type Database, type Store } from '../../src/store/index.js';
import { knownMigrations, migrateToLatest, runMigrations } from '../../src/store/migrate.js';
import { assertBuilt, cli, databaseFingerprint, newDataDir, ok } from '../cli/run-cli.js';

const NAMES = Object.keys(knownMigrations()).sort();
const FUTURE = '0999-from-a-newer-postroom';
const REFUSAL = `this database's schema is newer than this Postroom (it has migration ${FUTURE}, unknown here): upgrade Postroom, or restore a backup taken before the upgrade`;

async function tableNames(store: Store): Promise<string[]> {
  const tables = await store.db.introspection.getTables();
  return tables.map((t) => t.name).sort();
}

async function recorded(db: Kysely<Database>): Promise<string[]> {
  const rows = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db);
  return rows.rows.map((r) => r.name);
}

describe.each(testDatabaseKinds())('the schema on %s', (kind) => {
  let database: TestDatabase | undefined;
  let store: Store | undefined;

  afterEach(async () => {
    await store?.close();
    store = undefined;
    await database?.drop();
    database = undefined;
  });

  async function fresh(): Promise<Store> {
    database = await createTestDatabase(kind);
    store = openStore({ dataDir: database.dataDir, databaseUrl: database.databaseUrl });
    return store;
  }

  const config = () => ({ ...loadConfig({ dataDir: database!.dataDir, databaseUrl: database!.databaseUrl }, {}), secretKey: '0'.repeat(64) });
  const silent = pino({ level: 'silent' });

  it('migrates a fresh database to the latest, once', async () => {
    const s = await fresh();
    expect(await schemaStatus(s.db)).toEqual({ applied: [], pending: NAMES, unknown: [] });
    expect(await migrateToLatest(s.db)).toEqual({ applied: NAMES });
    expect(await schemaStatus(s.db)).toEqual({ applied: NAMES, pending: [], unknown: [] });
    expect(await migrateToLatest(s.db)).toEqual({ applied: [] });
    expect(await recorded(s.db)).toEqual(NAMES);
  });

  it('migrates an older database forward when Postroom opens it, keeping its data', async () => {
    const s = await fresh();
    const older = NAMES.slice(0, 5);
    expect(await migrateToLatest(s.db, { upTo: older.at(-1)! })).toEqual({ applied: older });
    expect((await schemaStatus(s.db)).pending).toEqual(NAMES.slice(5));
    await s.db.insertInto('settings').values({ key: 'domain_alias', value: 'kept.example' }).execute();

    const app = await openApp(config(), { log: silent });
    try {
      expect(await schemaStatus(app.store.db)).toEqual({ applied: NAMES, pending: [], unknown: [] });
      expect(await app.store.db.selectFrom('settings').select('value').where('key', '=', 'domain_alias').executeTakeFirst()).toEqual({ value: 'kept.example' });
    } finally {
      await app.close();
    }
  });

  it('refuses a database a newer Postroom migrated, before touching anything', async () => {
    const s = await fresh();
    // Older than this build in one way (pending migrations) and newer in another (an unknown one):
    // the pending ones must not be applied either.
    await migrateToLatest(s.db, { upTo: NAMES[7]! });
    await sql`insert into kysely_migration (name, timestamp) values (${FUTURE}, ${new Date().toISOString()})`.execute(s.db);
    const tablesBefore = await tableNames(s);
    const migrationsBefore = await recorded(s.db);
    expect((await schemaStatus(s.db)).unknown).toEqual([FUTURE]);

    await expect(migrateToLatest(s.db)).rejects.toThrow(REFUSAL);
    const opened = await openApp(config(), { log: silent }).catch((e: unknown) => e);
    expect((opened as Error).message).toBe(REFUSAL);

    expect(await tableNames(s)).toEqual(tablesBefore);
    expect(await recorded(s.db)).toEqual(migrationsBefore);
  });

  it('a migration that fails leaves nothing of itself, and the ones before it stay applied', async () => {
    const s = await fresh();
    await migrateToLatest(s.db, { upTo: NAMES.at(-3)! });
    const failing = {
      async up(db: Kysely<unknown>): Promise<void> {
        await db.schema.createTable('half_done').addColumn('id', 'text', (c) => c.primaryKey()).execute();
        await sql`insert into half_done (id) values ('written before the failure')`.execute(db);
        await db.schema.alterTable('messages').addColumn('half_done_column', 'text').execute();
        throw new Error('deliberate failure in the middle of a migration');
      },
    };
    const list = { ...knownMigrations(), '9999-fails-halfway': failing };
    await expect(runMigrations(s.db, list)).rejects.toThrow(/^migration 9999-fails-halfway failed: deliberate failure in the middle of a migration$/);

    // The known migrations before it were applied, each in its own transaction, and stay.
    expect(await recorded(s.db)).toEqual(NAMES);
    const tables = await tableNames(s);
    expect(tables).not.toContain('half_done');
    const messages = await s.db.introspection.getTables().then((all) => all.find((t) => t.name === 'messages')!);
    expect(messages.columns.map((c) => c.name)).not.toContain('half_done_column');
    // Fixing the migration and running again applies it.
    const fixed = { ...knownMigrations(), '9999-fails-halfway': { up: async (db: Kysely<unknown>) => db.schema.createTable('half_done').addColumn('id', 'text').execute().then(() => undefined) } };
    expect(await runMigrations(s.db, fixed)).toEqual({ applied: ['9999-fails-halfway'] });
    expect(await tableNames(s)).toContain('half_done');
  });
});

describe('the CLI on a newer schema', () => {
  beforeAll(() => assertBuilt());
  let data: ReturnType<typeof newDataDir> | undefined;
  afterEach(() => data?.remove());

  it('exits non-zero with the one-line refusal and writes nothing', async () => {
    data = newDataDir();
    await ok(data.dir, ['migrate']);
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(`${data.dir}/postroom.db`);
    db.prepare('insert into kysely_migration (name, timestamp) values (?, ?)').run(FUTURE, new Date().toISOString());
    db.close();
    const before = databaseFingerprint(data.dir);
    for (const args of [['queue', 'list'], ['migrate']]) {
      const result = await cli(data.dir, args);
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stderr).toBe(`error: ${REFUSAL}\n`);
      expect(result.stdout).toBe('');
    }
    expect(databaseFingerprint(data.dir)).toBe(before);
  });
});
