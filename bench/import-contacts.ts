/**
 * Import benchmark: `postroom contacts import FILE --list NAME` on a generated CSV of N contacts
 * (email, names, country, city, time zone, plan; 1 row in 1,000 bad), run as its own process the
 * way an operator runs it. Reports the whole-process time, rows per second and the process's
 * peak resident memory.
 *
 *   npm run bench:import -- --rows 1000000
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:import
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createBenchDatabase } from './bench-database.js';
import { writeContactsCsv } from './contacts-csv.js';
import { runTimed } from './run-timed.js';

const { values: flags } = parseArgs({ options: { rows: { type: 'string', default: '1000000' } } });
const rows = Number(flags.rows);
async function main(): Promise<void> {
  const database = await createBenchDatabase();
  try {
    const file = path.join(database.dataDir, 'contacts.csv');
    await writeContactsCsv(file, rows);
    console.log(`${rows.toLocaleString()} rows, ${(statSync(file).size / 1e6).toFixed(0)} MB of CSV, into ${database.description}`);
    const env = { ...process.env, POSTROOM_DATA_DIR: database.dataDir, POSTROOM_SECRET_KEY: 'ab'.repeat(32), POSTROOM_LOG_LEVEL: 'warn', ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}) };
    // Migrate first, so the timing is the import alone.
    await runTimed(['migrate'], env);
    const run = await runTimed(['--json', 'contacts', 'import', file, '--list', 'Everyone'], env);
    const [code, output, seconds, peakMb] = [run.code, run.stdout, run.seconds, run.peakMb];
    const report = JSON.parse(output) as { rows: number; created: number; errors: number };
    console.log(`exit ${code}: ${report.rows.toLocaleString()} rows, ${report.created.toLocaleString()} created, ${report.errors.toLocaleString()} bad rows reported`);
    console.log(`whole process: ${seconds.toFixed(1)} s, ${Math.round(report.rows / seconds).toLocaleString()} rows/s, peak RSS ${peakMb} MB`);
  } finally {
    await database.drop();
  }
}

await main();
