/** The benchmarks' database: SQLite in a temp directory, or a fresh PostgreSQL database next to DATABASE_URL. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';


export interface BenchDatabase {
  dataDir: string;
  databaseUrl: string | undefined;
  description: string;
  drop(): Promise<void>;
}

export async function createBenchDatabase(): Promise<BenchDatabase> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'postroom-bench-'));
  const removeDir = async () => rmSync(dataDir, { recursive: true, force: true });
  const url = process.env.DATABASE_URL;
  if (!url) return { dataDir, databaseUrl: undefined, description: 'sqlite (temp directory)', drop: removeDir };
  if (!/^postgres(ql)?:\/\//.test(url)) return { dataDir, databaseUrl: url, description: url, drop: removeDir };

  const name = `postroom_bench_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const fresh = new URL(url);
  fresh.pathname = `/${name}`;
  return {
    dataDir,
    databaseUrl: fresh.toString(),
    description: `postgres (fresh database ${name})`,
    async drop() {
      await removeDir();
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}
