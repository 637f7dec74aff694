/**
 * Import benchmark: `postroom contacts import FILE --list NAME` on a generated CSV of N contacts
 * (email, names, country, city, time zone, plan; 1 row in 1,000 bad), run as its own process the
 * way an operator runs it. Reports the whole-process time, rows per second and the process's
 * peak resident memory.
 *
 *   npm run bench:import -- --rows 1000000
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:import
 */
import { spawn } from 'node:child_process';
import { createWriteStream, readFileSync, statSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createBenchDatabase } from './bench-database.js';

const { values: flags } = parseArgs({ options: { rows: { type: 'string', default: '1000000' } } });
const rows = Number(flags.rows);
const CLI = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli', 'main.js');
const ZONES = ['Europe/Madrid', 'America/New_York', 'Asia/Tokyo', 'Europe/London', 'America/Sao_Paulo', ''];

async function writeCsv(file: string): Promise<void> {
  const out = createWriteStream(file);
  out.write('email,first_name,last_name,country,city,time_zone,plan\n');
  for (let n = 0; n < rows; n++) {
    const line = n % 1000 === 999 ? `broken-${n},Bad,Row,XX,Nowhere,,free\n` : `person${n}@example${n % 97}.com,First${n},Last${n % 5000},${['ES', 'US', 'JP', 'GB', 'BR'][n % 5]},City ${n % 300},${ZONES[n % ZONES.length]},${n % 3 ? 'free' : 'pro'}\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

async function main(): Promise<void> {
  const database = await createBenchDatabase();
  try {
    const file = path.join(database.dataDir, 'contacts.csv');
    await writeCsv(file);
    console.log(`${rows.toLocaleString()} rows, ${(statSync(file).size / 1e6).toFixed(0)} MB of CSV, into ${database.description}`);
    const env = { ...process.env, POSTROOM_DATA_DIR: database.dataDir, POSTROOM_SECRET_KEY: 'ab'.repeat(32), POSTROOM_LOG_LEVEL: 'warn', ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}) };
    // Migrate first, so the timing is the import alone.
    await new Promise((resolve) => spawn(process.execPath, [CLI, 'migrate'], { env, stdio: 'ignore' }).on('close', resolve));
    const started = performance.now();
    const child = spawn(process.execPath, [CLI, '--json', 'contacts', 'import', file, '--list', 'Everyone'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let peakKb = 0;
    const watch = setInterval(() => {
      try {
        const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (hwm) peakKb = Math.max(peakKb, Number(hwm[1]));
      } catch {
        // gone
      }
    }, 100);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk));
    const [code] = (await once(child, 'close')) as [number];
    clearInterval(watch);
    const seconds = (performance.now() - started) / 1000;
    const report = JSON.parse(output) as { rows: number; created: number; errors: number };
    console.log(`exit ${code}: ${report.rows.toLocaleString()} rows, ${report.created.toLocaleString()} created, ${report.errors.toLocaleString()} bad rows reported`);
    console.log(`whole process: ${seconds.toFixed(1)} s, ${Math.round(report.rows / seconds).toLocaleString()} rows/s, peak RSS ${Math.round(peakKb / 1024)} MB`);
  } finally {
    await database.drop();
  }
}

await main();
