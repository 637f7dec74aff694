/**
 * `postroom backup` and `postroom restore` with the built CLI: a backup taken while mail is being
 * enqueued and delivered restores to a sound database holding every message committed before it
 * began; restore refuses a data directory in use without --force, and anything that is not a
 * sound Postroom database; the secret key goes with a backup only when asked; on PostgreSQL the
 * command prints pg_dump / pg_restore lines that work.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSink, type Sink } from '../helpers/smtp-sink.js';
import { simpleMessage } from '../helpers/engine.js';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../helpers/databases.js';
import { loadConfig } from '../../src/config/index.js';
import { openApp, type App } from '../../src/app/open-app.js';
import { enqueueMessage } from '../../src/spool/index.js';
import { SECRET_KEY, assertBuilt, cli, cliEnv, databaseFingerprint, newDataDir, ok, okJson, startCli, waitFor, type Child } from './run-cli.js';

const run = promisify(execFile);

beforeAll(() => assertBuilt());

let cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

function dir(): string {
  const data = newDataDir();
  cleanups.push(() => data.remove());
  return data.dir;
}

async function sinkForTest(): Promise<Sink> {
  const sink = await startSink();
  cleanups.push(() => sink.close());
  return sink;
}

function integrity(file: string): string {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return String(db.pragma('integrity_check', { simple: true }));
  } finally {
    db.close();
  }
}

function ids(file: string, table: 'messages' | 'message_contents' | 'recipients', column = table === 'messages' ? 'id' : 'message_id'): Set<string> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return new Set((db.prepare(`select ${column} as id from ${table}`).all() as Array<{ id: string }>).map((r) => r.id));
  } finally {
    db.close();
  }
}

describe('backup and restore on SQLite', () => {
  it('a backup taken while mail is enqueued and sent restores every message committed before it began', async () => {
    const source = dir();
    const sink = await sinkForTest();
    await ok(source, ['server', 'add', '--name', 'Sink', '--host', '127.0.0.1', '--port', String(sink.port), '--security', 'none']);
    const worker: Child = startCli(source, ['worker']);
    cleanups.push(() => worker.kill());

    // This process enqueues into the same data directory while the worker child delivers.
    const app: App = await openApp({ ...loadConfig({ dataDir: source }, {}), secretKey: SECRET_KEY }, { log: pino({ level: 'silent' }) });
    cleanups.push(() => app.close());
    const committed: string[] = [];
    let stop = false;
    const enqueuing = (async () => {
      for (let n = 0; !stop && n < 20_000; n++) {
        committed.push(await enqueueMessage({ store: app.store, clock: app.clock, lifetimeMs: 3_600_000 }, simpleMessage(n, { text: `Hello ${n} `.repeat(50) })));
      }
    })();
    try {
      await waitFor(async () => (committed.length >= 300 && sink.messages.length >= 50 ? true : undefined), 30_000, 'mail being enqueued and delivered');
      const before = [...committed];
      const sentBefore = sink.messages.length;
      const file = path.join(dir(), 'postroom-backup.db');
      const backup = await okJson<{ file: string; bytes: number; messages: number; key: null }>(source, ['backup', file]);
      const during = committed.length - before.length;
      // The backup ran while both writers were at work.
      expect(during, 'no message was enqueued while the backup ran').toBeGreaterThan(0);
      expect(sink.messages.length).toBeGreaterThan(sentBefore);
      stop = true;
      await enqueuing;

      expect(backup).toMatchObject({ file, key: null });
      expect(backup.bytes).toBe(statSync(file).size);
      expect(backup.messages).toBeGreaterThanOrEqual(before.length);
      expect(existsSync(`${file}.partial`)).toBe(false);
      expect(existsSync(`${file}-wal`)).toBe(false);

      const target = dir();
      const restored = await cli(target, ['restore', file]);
      expect(restored.code, restored.stderr).toBe(0);
      expect(restored.stdout).toMatch(new RegExp(`^restored .* into .*postroom\\.db: ${backup.messages} message\\(s\\), 0 user\\(s\\), 1 server\\(s\\)\\n`));
      const db = path.join(target, 'postroom.db');
      expect(integrity(db)).toBe('ok');
      const messages = ids(db, 'messages');
      const contents = ids(db, 'message_contents');
      const recipients = ids(db, 'recipients');
      expect(messages.size).toBe(backup.messages);
      expect(before.filter((id) => !messages.has(id) || !contents.has(id) || !recipients.has(id))).toEqual([]);
      // The restored data directory works: it opens (migrated, nothing to do) and shows the mail.
      const listed = await okJson<Array<{ id: string }>>(target, ['queue', 'list', '--limit', '10000']);
      expect(listed.length).toBe(backup.messages);
    } finally {
      stop = true;
      await enqueuing;
    }
  });

  it('restore refuses a data directory that holds mail unless --force', async () => {
    const source = dir();
    const sourceId = (await ok(source, ['send', '--from', 'a@example.com', '--to', 'b@example.org', '--subject', 'from the backup', '--text', 'hi'])).trim();
    const file = path.join(dir(), 'backup.db');
    expect(await ok(source, ['backup', file])).toMatch(/^backup written to .*backup\.db \(\d+\.\d KB, 1 message\(s\)\)\nthe secret key is NOT in the backup: keep POSTROOM_SECRET_KEY with it/);

    // A data directory with its schema but nothing in it may be restored into as it is.
    const empty = dir();
    await ok(empty, ['migrate']);
    expect((await cli(empty, ['restore', file])).code).toBe(0);

    const busy = dir();
    const busyId = (await ok(busy, ['send', '--from', 'a@example.com', '--to', 'b@example.org', '--subject', 'already here', '--text', 'hi'])).trim();
    const before = databaseFingerprint(busy);
    const refused = await cli(busy, ['restore', file]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: --force: the data directory's database \(.*postroom\.db\) already holds messages, users or servers: add --force to replace it\n$/);
    expect(databaseFingerprint(busy)).toBe(before);

    const forced = await cli(busy, ['restore', file, '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toMatch(/\(the database there was replaced\): 1 message\(s\)/);
    expect(existsSync(path.join(busy, 'postroom.db-wal'))).toBe(false);
    const listed = await okJson<Array<{ id: string; subject: string }>>(busy, ['queue', 'list']);
    expect(listed.map((m) => [m.id, m.subject])).toEqual([[sourceId, 'from the backup']]);
    expect(listed.map((m) => m.id)).not.toContain(busyId);
  });

  it('refuses what is not a sound Postroom database, naming FILE, and writes nothing', async () => {
    const scratch = dir();
    const junk = path.join(scratch, 'notes.txt');
    writeFileSync(junk, 'this is not a database\n');
    const other = path.join(scratch, 'other.db');
    const otherDb = new Database(other);
    otherDb.exec('create table notes (body text); insert into notes values (1)');
    otherDb.close();
    const damaged = path.join(scratch, 'damaged.db');
    const source = dir();
    await ok(source, ['send', '--from', 'a@example.com', '--to', 'b@example.org', '--subject', 's', '--text', 'hi']);
    await ok(source, ['backup', damaged]);
    const bytes = readFileSync(damaged);
    // Scribble over pages in the middle of the file (not the header): b-tree pages stop making sense.
    bytes.fill(0xa5, 8 * 4096, 40 * 4096);
    writeFileSync(damaged, bytes);

    const target = dir();
    const cases: Array<[string, RegExp]> = [
      [junk, /^error: FILE: ".*notes\.txt" is not an SQLite database \(not a Postroom backup\)\n$/],
      [other, /^error: FILE: ".*other\.db" is an SQLite database but not Postroom's \(no kysely_migration, messages, .* table\)\n$/],
      [damaged, /^error: FILE: ".*damaged\.db" (is damaged|fails PRAGMA integrity_check)/],
      [path.join(scratch, 'missing.db'), /^error: FILE: ".*missing\.db" does not exist\n$/],
    ];
    for (const [file, message] of cases) {
      const result = await cli(target, ['restore', file]);
      expect(result.code, file).toBe(1);
      expect(result.stderr).toMatch(message);
      expect(existsSync(path.join(target, 'postroom.db')), file).toBe(false);
    }
  });

  it('takes the secret key along only with --with-key, and restore installs it', async () => {
    const noEnvKey = { POSTROOM_SECRET_KEY: undefined };
    const source = dir();
    await ok(source, ['server', 'add', '--name', 'Relay', '--host', 'smtp.example.com', '--port', '2525', '--security', 'none', '--auth', 'password', '--user', 'u', '--password-env', 'PW'], {
      env: { ...noEnvKey, PW: 'a password to seal' },
    });
    const sourceKey = readFileSync(path.join(source, 'secret.key'), 'utf8');
    const scratch = dir();

    const plain = path.join(scratch, 'plain.db');
    const without = await ok(source, ['backup', plain], { env: noEnvKey });
    expect(without).toContain(`the secret key is NOT in the backup: keep ${path.join(source, 'secret.key')} with it`);
    expect(existsSync(`${plain}.key`)).toBe(false);
    const bare = dir();
    expect(await ok(bare, ['restore', plain], { env: noEnvKey })).toMatch(/no secret key here yet: put the key this backup was made with in .*secret\.key or POSTROOM_SECRET_KEY/);

    const withKey = path.join(scratch, 'with-key.db');
    const said = await ok(source, ['backup', withKey, '--with-key'], { env: noEnvKey });
    expect(said).toContain(`the secret key (from ${path.join(source, 'secret.key')}) is in ${withKey}.key`);
    expect(statSync(`${withKey}.key`).mode & 0o777).toBe(0o600);
    const target = dir();
    const restored = await ok(target, ['restore', withKey], { env: noEnvKey });
    expect(restored).toContain(`installed the backup's key as ${path.join(target, 'secret.key')}`);
    expect(restored).toContain('the secret key opens the restored secrets');
    expect(readFileSync(path.join(target, 'secret.key'), 'utf8')).toBe(sourceKey);
    expect(statSync(path.join(target, 'secret.key')).mode & 0o777).toBe(0o600);
  });
});

describe.skipIf(!testDatabaseKinds().includes('postgres'))('backup on PostgreSQL', () => {
  it('prints the pg_dump and pg_restore commands, writes nothing, and the commands work', async () => {
    const source: TestDatabase = await createTestDatabase('postgres');
    cleanups.push(() => source.drop());
    const env = { DATABASE_URL: source.databaseUrl };
    const data = dir();
    const id = (await ok(data, ['send', '--from', 'a@example.com', '--to', 'b@example.org', '--subject', 'in postgres', '--text', 'hi'], { env })).trim();
    const file = path.join(dir(), 'postroom.dump');
    const result = await cli(data, ['backup', file], { env });
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.split('\n');
    const dump = lines.find((l) => l.startsWith('pg_dump '));
    const restore = lines.find((l) => l.startsWith('pg_restore '));
    expect(dump).toBe(`pg_dump -Fc --file=${file} --dbname="$DATABASE_URL"`);
    expect(restore).toBe(`pg_restore --clean --if-exists --no-owner --dbname="$DATABASE_URL" ${file}`);
    expect(result.stdout).toMatch(/the secret key is NOT in the backup/);
    expect(existsSync(file)).toBe(false);

    if (!existsSync('/usr/bin/pg_dump') || !existsSync('/usr/bin/pg_restore')) return;
    // Run them as printed: dump this database, restore it into another, find the message there.
    await run('bash', ['-c', dump!], { env: cliEnv(env) });
    expect(statSync(file).size).toBeGreaterThan(0);
    const copy = await createTestDatabase('postgres');
    cleanups.push(() => copy.drop());
    await run('bash', ['-c', restore!], { env: cliEnv({ DATABASE_URL: copy.databaseUrl }) });
    const listed = await okJson<Array<{ id: string; subject: string }>>(data, ['queue', 'list'], { env: { DATABASE_URL: copy.databaseUrl } });
    expect(listed.map((m) => [m.id, m.subject])).toEqual([[id, 'in postgres']]);
  });
});
