/**
 * Backups of the SQLite database, and restoring one.
 *
 * A backup uses SQLite's online backup API on a connection of its own, copying every page in one
 * step: the copy is the database as of one moment (one read transaction), while serve and the
 * workers keep writing through WAL. It is written to FILE.partial, switched to a single-file
 * journal mode, checked, synced and renamed: FILE is complete or absent.
 *
 * A restore checks the file (an SQLite database that passes `PRAGMA integrity_check`, with
 * Postroom's tables and no migration newer than this build), refuses a data directory whose
 * database holds messages, users or servers unless forced, and refuses one that another process
 * has open. The old database's WAL and shared-memory files go before the new file is renamed into
 * place — a stale WAL must never be replayed onto another database.
 *
 * PostgreSQL has its own tools: pgDumpCommands says how to use them.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { InputError } from '../lib/input-error.js';
import { knownMigrations, SchemaTooNewError } from './migrate.js';

/** Tables every Postroom database has; a file without them is not a Postroom backup. */
const POSTROOM_TABLES = ['kysely_migration', 'messages', 'recipients', 'events', 'servers', 'users', 'settings'];
/** A data directory is in use once any of these has a row. */
const CONTENT_TABLES = ['messages', 'users', 'servers'] as const;
const ALL_PAGES = 0x7fffffff;

export interface BackupResult {
  file: string;
  bytes: number;
  messages: number;
}

/** Copies the database at `source` to `target` (atomically: through `target`.partial). */
export async function backupSqlite(source: string, target: string): Promise<BackupResult> {
  if (!existsSync(source)) throw new Error(`no database at ${source}: nothing to back up`);
  if (path.resolve(source) === path.resolve(target)) throw new InputError('FILE', 'is the database itself: name another file');
  if (!existsSync(path.dirname(path.resolve(target)))) throw new InputError('FILE', `the directory ${path.dirname(path.resolve(target))} does not exist`);
  const partial = `${target}.partial`;
  removeDatabaseFiles(partial);
  const database = new BetterSqlite3(source, { fileMustExist: true });
  try {
    database.pragma('busy_timeout = 10000');
    // Every page in one step: restarting because a writer committed between steps is not possible.
    await database.backup(partial, { progress: () => ALL_PAGES });
  } catch (error) {
    removeDatabaseFiles(partial);
    throw error;
  } finally {
    database.close();
  }
  try {
    const copy = new BetterSqlite3(partial, { fileMustExist: true });
    let messages: number;
    try {
      // One file that stands alone (no -wal beside it); a restored database goes back to WAL on open.
      copy.pragma('journal_mode = DELETE');
      const check = copy.pragma('quick_check', { simple: true });
      if (check !== 'ok') throw new Error(`the copy failed its check: ${String(check)}`);
      messages = Number((copy.prepare('select count(*) as n from messages').get() as { n: number }).n);
    } finally {
      copy.close();
    }
    syncFile(partial);
    renameSync(partial, target);
    syncDirectory(path.dirname(path.resolve(target)));
    return { file: path.resolve(target), bytes: statSync(target).size, messages };
  } catch (error) {
    removeDatabaseFiles(partial);
    throw error;
  }
}

export interface BackupFacts {
  messages: number;
  users: number;
  servers: number;
  /** Migrations the file has had. */
  migrations: string[];
}

/** What a file given to restore holds; anything but a sound Postroom database is an error naming FILE. */
export function inspectBackup(file: string): BackupFacts {
  if (!existsSync(file)) throw new InputError('FILE', `"${file}" does not exist`);
  if (!hasSqliteHeader(file)) throw new InputError('FILE', `"${file}" is not an SQLite database (not a Postroom backup)`);
  let database: BetterSqlite3.Database;
  try {
    database = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new InputError('FILE', `"${file}" cannot be opened as an SQLite database: ${(error as Error).message}`);
  }
  try {
    let check: unknown;
    try {
      check = database.pragma('integrity_check', { simple: true });
    } catch (error) {
      throw new InputError('FILE', `"${file}" is damaged: ${(error as Error).message}`);
    }
    if (check !== 'ok') throw new InputError('FILE', `"${file}" fails PRAGMA integrity_check: ${String(check)}`);
    const tables = new Set((database.prepare("select name from sqlite_master where type = 'table'").all() as Array<{ name: string }>).map((t) => t.name));
    const missing = POSTROOM_TABLES.filter((t) => !tables.has(t));
    if (missing.length) throw new InputError('FILE', `"${file}" is an SQLite database but not Postroom's (no ${missing.join(', ')} table)`);
    const migrations = (database.prepare('select name from kysely_migration order by name').all() as Array<{ name: string }>).map((r) => r.name);
    const known = knownMigrations();
    const unknown = migrations.filter((m) => !(m in known));
    if (unknown.length) throw new InputError('FILE', new SchemaTooNewError(unknown).message);
    const count = (table: string): number => Number((database.prepare(`select count(*) as n from "${table}"`).get() as { n: number }).n);
    return { messages: count('messages'), users: count('users'), servers: count('servers'), migrations };
  } finally {
    database.close();
  }
}

export interface RestoreResult extends BackupFacts {
  file: string;
  /** Whether a database with content was replaced (only with force). */
  replaced: boolean;
}

/** Puts the backup `source` in place of the database file `target`. */
export async function restoreSqlite(source: string, target: string, force: boolean): Promise<RestoreResult> {
  if (path.resolve(source) === path.resolve(target)) throw new InputError('FILE', 'is the database itself');
  const facts = inspectBackup(source);
  const replaced = existsSync(target) ? settleExisting(target, force) : false;
  mkdirSync(path.dirname(path.resolve(target)), { recursive: true });
  const partial = `${target}.partial`;
  removeDatabaseFiles(partial);
  const from = new BetterSqlite3(source, { readonly: true, fileMustExist: true });
  try {
    await from.backup(partial, { progress: () => ALL_PAGES });
  } catch (error) {
    removeDatabaseFiles(partial);
    throw error;
  } finally {
    from.close();
  }
  syncFile(partial);
  // The old database's WAL must not meet the new file.
  rmSync(`${target}-wal`, { force: true });
  rmSync(`${target}-shm`, { force: true });
  rmSync(`${target}-journal`, { force: true });
  renameSync(partial, target);
  syncDirectory(path.dirname(path.resolve(target)));
  return { file: path.resolve(target), replaced, ...facts };
}

/**
 * The database already in the data directory: refused while it holds anything unless forced, and
 * always while another process has it open. Returns whether it had content.
 */
function settleExisting(target: string, force: boolean): boolean {
  let content = false;
  let readable = true;
  try {
    const database = new BetterSqlite3(target, { fileMustExist: true });
    try {
      database.pragma('busy_timeout = 2000');
      const tables = new Set((database.prepare("select name from sqlite_master where type = 'table'").all() as Array<{ name: string }>).map((t) => t.name));
      content = CONTENT_TABLES.some((t) => tables.has(t) && database.prepare(`select 1 from "${t}" limit 1`).get() !== undefined);
      // Fold the WAL into the file, so closing the last connection removes -wal and -shm.
      database.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      database.close();
    }
  } catch (error) {
    if (String((error as { code?: string }).code).startsWith('SQLITE_BUSY')) {
      throw new Error(`${target} is busy in another process: stop postroom serve and the workers before restoring`);
    }
    readable = false;
  }
  if (!readable && !force) throw new InputError('--force', `${target} exists but is not a readable database: add --force to replace it`);
  if (content && !force) {
    throw new InputError('--force', `the data directory's database (${target}) already holds messages, users or servers: add --force to replace it`);
  }
  if (readable && (existsSync(`${target}-wal`) || existsSync(`${target}-shm`))) {
    throw new Error(`${target} is open in another process: stop postroom serve and the workers before restoring`);
  }
  return content;
}

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

function hasSqliteHeader(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(16);
    return readSync(fd, head, 0, 16, 0) === 16 && head.equals(SQLITE_HEADER);
  } finally {
    closeSync(fd);
  }
}

function removeDatabaseFiles(file: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${file}${suffix}`, { force: true });
}

function syncFile(file: string): void {
  const fd = openSync(file, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function syncDirectory(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some file systems do not sync directories; the rename is still atomic.
  }
}

/** A word for the shell: single-quoted unless plainly safe. */
export function shellWord(text: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

export interface PgCommands {
  dump: string;
  restore: string;
  /** The database the commands reach, password left out. */
  database: string;
}

/**
 * PostgreSQL's own tools make the backup: a custom-format dump (-Fc) and pg_restore. The
 * commands read DATABASE_URL from the environment, so no password is printed or put in shell history.
 */
export function pgDumpCommands(databaseUrl: string, file: string): PgCommands {
  const safe = new URL(databaseUrl);
  if (safe.password) safe.password = '***';
  return {
    dump: `pg_dump -Fc --file=${shellWord(file)} --dbname="$DATABASE_URL"`,
    restore: `pg_restore --clean --if-exists --no-owner --dbname="$DATABASE_URL" ${shellWord(file)}`,
    database: safe.toString(),
  };
}
