/**
 * The databases engine tests run against: SQLite always; PostgreSQL when one is reachable
 * (POSTROOM_TEST_PG, default postgres://postgres@127.0.0.1:5432/postgres). Under CI a missing
 * PostgreSQL is an error, not a skip. Each test gets a fresh database of its own.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';

export type TestDatabaseKind = 'sqlite' | 'postgres';

export interface TestDatabase {
  kind: TestDatabaseKind;
  dataDir: string;
  /** DATABASE_URL for this database (undefined = SQLite in dataDir). */
  databaseUrl: string | undefined;
  drop(): Promise<void>;
}

export const PG_ADMIN_URL = process.env.POSTROOM_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Which databases to run on; set by scripts/test.mjs after it checked PostgreSQL. */
export function testDatabaseKinds(): TestDatabaseKind[] {
  const chosen = (process.env.POSTROOM_TEST_DATABASES ?? 'sqlite,postgres').split(',').map((s) => s.trim());
  const kinds: TestDatabaseKind[] = [];
  if (chosen.includes('sqlite')) kinds.push('sqlite');
  if (chosen.includes('postgres') && process.env.POSTROOM_TEST_PG_AVAILABLE !== '0') kinds.push('postgres');
  return kinds;
}

export function tempDir(prefix = 'postroom-test-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

export async function createTestDatabase(kind: TestDatabaseKind): Promise<TestDatabase> {
  const dataDir = tempDir();
  if (kind === 'sqlite') {
    return { kind, dataDir, databaseUrl: undefined, drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
  }
  const name = `postroom_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    kind,
    dataDir,
    databaseUrl: url.toString(),
    async drop() {
      rmSync(dataDir, { recursive: true, force: true });
      const client = new pg.Client({ connectionString: PG_ADMIN_URL });
      await client.connect();
      try {
        // Connections the test opened may still be closing: give them a moment before forcing.
        for (let tries = 0; ; tries++) {
          try {
            await client.query(tries < 20 ? `drop database if exists ${name}` : `drop database if exists ${name} with (force)`);
            break;
          } catch (error) {
            if (tries >= 20 || (error as { code?: string }).code !== '55006') throw error;
            await new Promise((r) => setTimeout(r, 50));
          }
        }
      } finally {
        await client.end();
      }
    },
  };
}
