import { mkdirSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { Kysely, PostgresDialect, SqliteDialect, type SqliteDatabase, type SqliteStatement } from 'kysely';
import type { Database } from './tables.js';
import type { DialectName } from './dialect.js';

export interface Store {
  db: Kysely<Database>;
  dialect: DialectName;
  /** Where the data lives, for messages to people (never includes a password). */
  description: string;
  /** The SQLite database file (absent for PostgreSQL and in-memory SQLite). */
  file?: string;
  close(): Promise<void>;
}

export interface StoreOptions {
  dataDir: string;
  databaseUrl?: string | undefined;
  /** PostgreSQL pool size. */
  poolSize?: number;
}

/** Opens the database named by DATABASE_URL: SQLite in the data directory unless it is postgres://. */
export function openStore(options: StoreOptions): Store {
  const file = sqliteFileOf(options);
  return file === null ? openPostgres(options.databaseUrl!, options.poolSize ?? 10) : openSqlite(file);
}

/** The SQLite database file DATABASE_URL names (default: postroom.db in the data directory); null for PostgreSQL. */
export function sqliteFileOf(options: StoreOptions): string | null {
  const url = options.databaseUrl;
  if (url && /^postgres(ql)?:\/\//.test(url)) return null;
  if (url && !url.startsWith('sqlite:')) {
    throw new Error(`DATABASE_URL: expected sqlite:PATH or postgres://…, got "${url.split(':')[0]}:…"`);
  }
  return url ? url.slice('sqlite:'.length) : path.join(options.dataDir, 'postroom.db');
}

function openSqlite(file: string): Store {
  if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const database = new BetterSqlite3(file);
  // WAL lets readers run while a worker writes; FULL makes every commit durable before we answer.
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = FULL');
  database.pragma('busy_timeout = 10000');
  // Case-insensitive search beyond ASCII (SQLite's own lower() folds A–Z only).
  database.function('casefold', { deterministic: true }, (value: unknown) => (typeof value === 'string' ? value.toLowerCase() : value));
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) });
  return { db, dialect: 'sqlite', description: `sqlite:${file}`, ...(file === ':memory:' ? {} : { file }), close: () => db.destroy() };
}

function openPostgres(url: string, max: number): Store {
  const types = {
    // INT8 (epoch milliseconds, counts) as numbers rather than strings.
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      oid === 20 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
  };
  const pool = new pg.Pool({ connectionString: url, max, types });
  // An idle connection that PostgreSQL closes (restart, admin command) must not crash the process;
  // the pool drops it, and the next query opens a new one or reports the error to its caller.
  pool.on('error', () => undefined);
  // So must a connection lost while checked out (a network drop, a proxy restart): its query fails
  // with the error, but pg also emits it on the client, where nobody listens (Kysely attaches nothing).
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const safe = new URL(url);
  safe.password = '';
  return { db, dialect: 'postgres', description: safe.toString(), close: () => db.destroy() };
}

/**
 * Kysely prepares every query anew; the worker runs the same few statements thousands of times a
 * second, so prepared statements are kept by their SQL text (bounded: IN lists of many lengths
 * make many texts).
 */
function withStatementCache(database: BetterSqlite3.Database, size = 500): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => database.close(),
    prepare(text) {
      // Every transaction starts IMMEDIATE: a deferred one that reads and then writes, while
      // another process committed in between, fails at once with "database is locked"
      // (SQLITE_BUSY_SNAPSHOT; busy_timeout does not wait for it). Taking the write lock at
      // BEGIN makes it wait its turn instead — a worker and `campaign send` run side by side.
      const sql = text === 'begin' ? 'begin immediate' : text;
      let statement = cache.get(sql);
      if (!statement) {
        if (cache.size >= size) cache.clear();
        statement = database.prepare(sql);
        cache.set(sql, statement);
      }
      return statement;
    },
  };
}
