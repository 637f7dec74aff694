/**
 * The secret key and backups. A backup holds the database only: the secret key (the data
 * directory's secret.key, or POSTROOM_SECRET_KEY) seals the servers' passwords, OAuth tokens,
 * DKIM keys and webhook secrets, and signs tracking links and bounce (VERP) addresses, so a
 * restore without it loses all of those. It is left out by default because a backup that carries
 * its key gives whoever holds the file every secret in it; `--with-key` writes it beside the
 * backup as FILE.key (mode 0600) for those who keep both in one safe place, and `restore` puts a
 * FILE.key it finds beside the backup in place.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { createSecretBox, loadSecretKey } from '../servers/index.js';

export const KEY_FILE = 'secret.key';

/** The key in effect (environment first), or null when there is none yet. */
function currentKey(secretKey: string | undefined, dataDir: string): Buffer | null {
  if (secretKey) return loadSecretKey(secretKey, dataDir);
  return existsSync(path.join(dataDir, KEY_FILE)) ? loadSecretKey(undefined, dataDir) : null;
}

/** Writes the key in effect to FILE.key (0600); where it came from, for the message. */
export function writeKeyBeside(backupFile: string, secretKey: string | undefined, dataDir: string): { file: string; from: string } {
  const key = currentKey(secretKey, dataDir);
  if (!key) throw new Error(`--with-key: there is no key to copy (no POSTROOM_SECRET_KEY and no ${path.join(dataDir, KEY_FILE)})`);
  const file = `${backupFile}.key`;
  writeFileSync(`${file}.partial`, key.toString('base64') + '\n', { mode: 0o600 });
  renameSync(`${file}.partial`, file);
  return { file: path.resolve(file), from: secretKey ? 'POSTROOM_SECRET_KEY' : path.join(dataDir, KEY_FILE) };
}

/** A sentence for after a backup without its key. */
export function keyReminder(secretKey: string | undefined, dataDir: string): string {
  const where = secretKey ? 'POSTROOM_SECRET_KEY' : path.join(dataDir, KEY_FILE);
  return (
    `the secret key is NOT in the backup: keep ${where} with it (stored safely, apart if the backup leaves this machine); ` +
    'without it the servers\' passwords, OAuth tokens, DKIM keys and webhook secrets in the backup cannot be read. ' +
    '--with-key writes it beside the backup as FILE.key'
  );
}

/** One sealed value from the database, to tell whether a key opens its secrets; null when it has none. */
function sealedSample(databaseFile: string): string | null {
  const database = new BetterSqlite3(databaseFile, { readonly: true, fileMustExist: true });
  try {
    for (const [table, column] of [['servers', 'secret'], ['dkim_keys', 'private_key'], ['webhooks', 'secret']] as const) {
      try {
        const row = database.prepare(`select "${column}" as v from "${table}" where "${column}" is not null limit 1`).get() as { v: string } | undefined;
        if (row) return row.v;
      } catch {
        // An older schema without this table.
      }
    }
    return null;
  } finally {
    database.close();
  }
}

/**
 * After a restore: installs FILE.key when it is beside the backup (an existing, different key
 * file is kept as secret.key.replaced-TIME), then says whether the key in effect opens the
 * restored secrets.
 */
export function settleKeyAfterRestore(backupFile: string, restoredDatabase: string, secretKey: string | undefined, dataDir: string, now: number): string {
  const beside = `${backupFile}.key`;
  const notes: string[] = [];
  if (existsSync(beside)) {
    const key = Buffer.from(readFileSync(beside, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new Error(`${beside}: must hold a base64 32-byte key`);
    if (secretKey) {
      if (!loadSecretKey(secretKey, dataDir).equals(key)) notes.push(`${beside} was not installed: POSTROOM_SECRET_KEY is set, takes precedence, and is another key`);
    } else {
      const target = path.join(dataDir, KEY_FILE);
      if (existsSync(target) && !readFileSync(target).equals(readFileSync(beside))) renameSync(target, `${target}.replaced-${now}`);
      writeFileSync(`${target}.partial`, key.toString('base64') + '\n', { mode: 0o600 });
      renameSync(`${target}.partial`, target);
      notes.push(`installed the backup's key as ${target}`);
    }
  }
  const sample = sealedSample(restoredDatabase);
  if (sample !== null) {
    const key = currentKey(secretKey, dataDir);
    if (!key) notes.push(`no secret key here yet: put the key this backup was made with in ${path.join(dataDir, KEY_FILE)} or POSTROOM_SECRET_KEY before starting Postroom`);
    else {
      try {
        createSecretBox(key).open(sample);
        notes.push('the secret key opens the restored secrets');
      } catch {
        notes.push('WARNING: the secret key here does not open the restored secrets: install the key this backup was made with');
      }
    }
  }
  return notes.join('\n');
}
