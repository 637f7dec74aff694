/**
 * `postroom backup FILE`, `postroom restore FILE` and `postroom prune`: keeping the data safe and
 * its size in check. The logic lives in store/backup.ts and spool/prune-messages.ts; the secret
 * key's part in backups in backup-key.ts.
 */
import { Command } from 'commander';
import { loadConfig, type Config } from '../config/index.js';
import { backupSqlite, pgDumpCommands, restoreSqlite } from '../store/backup.js';
import { sqliteFileOf } from '../store/open-store.js';
import { parseAge, pruneMessages } from '../spool/prune-messages.js';
import { InputError } from '../lib/input-error.js';
import { globalFlags, outputFor, withApp } from './context.js';
import { keyReminder, settleKeyAfterRestore, writeKeyBeside } from './backup-key.js';

const DAY_MS = 86_400_000;

function configOf(command: Command): Config {
  const flags = globalFlags(command);
  return loadConfig({ dataDir: flags.data, logLevel: flags.logLevel, quiet: !!flags.json });
}

/** 1536 → "1.5 KB"; decimal units, as `ls -h` users read them. */
export function size(bytes: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let n = bytes;
  let unit = 0;
  while (n >= 1000 && unit < units.length - 1) {
    n /= 1000;
    unit += 1;
  }
  return unit === 0 ? `${n} bytes` : `${n.toFixed(1)} ${units[unit]}`;
}

function backupCommand(): Command {
  return new Command('backup')
    .description('copy the SQLite database to FILE while Postroom runs (PostgreSQL: print the pg_dump command to use)')
    .argument('<file>', 'where the backup goes (written as FILE.partial, then renamed)')
    .option('--with-key', 'also write the secret key beside it as FILE.key (mode 0600): whoever has both has every secret in it')
    .action(async (file: string, flags: { withKey?: boolean }, command: Command) => {
      const config = configOf(command);
      const out = outputFor(command);
      const database = sqliteFileOf({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
      if (database === null) {
        const pg = pgDumpCommands(config.databaseUrl!, file);
        out.print({ written: false, database: pg.database, dump: pg.dump, restore: pg.restore }, () =>
          [
            `# PostgreSQL (${pg.database}) is backed up with its own tools; nothing was written. With DATABASE_URL set as for Postroom:`,
            pg.dump,
            '# and to restore it (Postroom stopped):',
            pg.restore,
            '# ' + keyReminder(config.secretKey, config.dataDir).replace(/ --with-key.*$/, ''),
          ].join('\n'),
        );
        return;
      }
      const result = await backupSqlite(database, file);
      const key = flags.withKey ? writeKeyBeside(file, config.secretKey, config.dataDir) : null;
      out.print({ ...result, key }, () =>
        [
          `backup written to ${result.file} (${size(result.bytes)}, ${result.messages} message(s))`,
          key
            ? `the secret key (from ${key.from}) is in ${key.file}: whoever has both files has every secret in the backup — keep them safe`
            : keyReminder(config.secretKey, config.dataDir),
        ].join('\n'),
      );
    });
}

function restoreCommand(): Command {
  return new Command('restore')
    .description("put a backup in place of the data directory's database (Postroom stopped)")
    .argument('<file>', 'a backup written by postroom backup')
    .option('--force', 'replace a database that already holds messages, users or servers')
    .action(async (file: string, flags: { force?: boolean }, command: Command) => {
      const config = configOf(command);
      const database = sqliteFileOf({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
      if (database === null) {
        throw new InputError('DATABASE_URL', `names PostgreSQL: restore its dump with ${pgDumpCommands(config.databaseUrl!, file).restore}`);
      }
      const result = await restoreSqlite(file, database, !!flags.force);
      const keyNotes = settleKeyAfterRestore(file, database, config.secretKey, config.dataDir, Date.now());
      outputFor(command).print({ ...result, key: keyNotes || null }, () =>
        [
          `restored ${file} into ${result.file}${result.replaced ? ' (the database there was replaced)' : ''}: ${result.messages} message(s), ${result.users} user(s), ${result.servers} server(s)`,
          keyNotes,
        ]
          .filter(Boolean)
          .join('\n'),
      );
    });
}

function pruneCommand(): Command {
  return new Command('prune')
    .description('delete the bodies and events of messages finished longer ago than --older-than; the statistics stay')
    .option('--older-than <age>', 'days or hours, like 90d or 36h (at least 1d; default: retention.pruneAfterDays, POSTROOM_PRUNE_AFTER_DAYS)')
    .action(async (flags: { olderThan?: string }, command: Command) =>
      withApp(command, async (app, out) => {
        const olderThanMs = flags.olderThan === undefined ? app.config.retention.pruneAfterDays * DAY_MS : parseAge('--older-than', flags.olderThan);
        const result = await pruneMessages(app.store, { olderThanMs, now: app.clock.now() });
        const cutoff = new Date(result.cutoff).toISOString();
        out.print({ ...result, cutoff }, () =>
          [
            `pruned ${result.messages} message(s) finished before ${cutoff}: ${result.events} event(s) deleted, about ${size(result.bytes)} freed`,
            ...(app.store.dialect === 'sqlite' && result.messages > 0 ? ['(the database file keeps its size: SQLite reuses the space for new mail)'] : []),
          ].join('\n'),
        );
      }),
    );
}

export function backupCommands(): Command[] {
  return [backupCommand(), restoreCommand(), pruneCommand()];
}
