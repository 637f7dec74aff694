#!/usr/bin/env node
// Runs the whole test suite. Engine tests run on SQLite and, when it is reachable, PostgreSQL.
// Without PostgreSQL the PostgreSQL variants are skipped with a plain note, except under CI
// (CI=true), where .ci/run provides PostgreSQL and its absence is an error.
import { spawnSync } from 'node:child_process';
import pg from 'pg';

const adminUrl = process.env.POSTROOM_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const wanted = (process.env.POSTROOM_TEST_DATABASES ?? 'sqlite,postgres').split(',');
let pgAvailable = false;
if (wanted.includes('postgres')) {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    pgAvailable = true;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (process.env.CI === 'true') {
      console.error(`PostgreSQL is required under CI but ${adminUrl} is not reachable: ${reason}`);
      process.exit(1);
    }
    console.log(`NOTE: skipping the PostgreSQL variants of the engine tests: cannot connect to ${adminUrl} (${reason}).`);
    console.log('      Start PostgreSQL (user postgres, trust auth) or set POSTROOM_TEST_PG to run them.');
  } finally {
    await client.end().catch(() => undefined);
  }
}

const result = spawnSync(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, POSTROOM_TEST_PG_AVAILABLE: pgAvailable ? '1' : '0' },
});
if (!pgAvailable && wanted.includes('postgres') && process.env.CI !== 'true') {
  console.log('NOTE: the PostgreSQL variants were skipped (see above).');
}
process.exit(result.status ?? 1);
