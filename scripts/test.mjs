#!/usr/bin/env node
// Runs the whole test suite. Engine tests run on SQLite and, when it is reachable, PostgreSQL;
// the web UI's tests run in Debian's Chromium when it is installed. Without PostgreSQL or
// Chromium (or dovecot, for mailbox polling) those tests are skipped with a plain note, except
// under CI (CI=true), where .ci/run provides them and their absence is an error.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
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

const chromium = process.env.POSTROOM_TEST_CHROMIUM ?? '/usr/bin/chromium';
const browserAvailable = existsSync(chromium);
if (!browserAvailable) {
  if (process.env.CI === 'true') {
    console.error(`Chromium is required under CI for the web UI tests but ${chromium} is missing (apt-get install -y chromium).`);
    process.exit(1);
  }
  console.log(`NOTE: skipping the web UI tests (test/browser): ${chromium} is missing.`);
  console.log('      Install it with `apt-get install -y chromium` (or set POSTROOM_TEST_CHROMIUM) to run them.');
}

// The mailbox polling tests run Debian's dovecot (test/helpers/dovecot.ts says so when it is missing).
const dovecot = process.env.POSTROOM_TEST_DOVECOT ?? '/usr/sbin/dovecot';
const dovecotAvailable = existsSync(dovecot);
if (!dovecotAvailable) {
  if (process.env.CI === 'true') {
    console.error(`dovecot is required under CI for the mailbox polling tests but ${dovecot} is missing (apt-get install -y dovecot-imapd dovecot-pop3d).`);
    process.exit(1);
  }
  console.log(`NOTE: skipping the mailbox polling tests: ${dovecot} is missing (apt-get install -y dovecot-imapd dovecot-pop3d).`);
}

const result = spawnSync(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, POSTROOM_TEST_PG_AVAILABLE: pgAvailable ? '1' : '0', POSTROOM_TEST_BROWSER: browserAvailable ? '1' : '0' },
});
if (!pgAvailable && wanted.includes('postgres') && process.env.CI !== 'true') {
  console.log('NOTE: the PostgreSQL variants were skipped (see above).');
}
if (!browserAvailable) console.log(`NOTE: the web UI tests were skipped: ${chromium} is missing (see above).`);
if (!dovecotAvailable) console.log(`NOTE: the mailbox polling tests were skipped: ${dovecot} is missing (see above).`);
process.exit(result.status ?? 1);
