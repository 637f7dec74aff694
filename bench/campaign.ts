/**
 * Campaign benchmark, every step as the operator runs it (`postroom …` as its own process):
 *
 *   1. import 1,000,000 contacts from CSV (time, peak RSS);
 *   2. put the first 100,000 on a list and make a personalised template and campaign;
 *   3. `campaign send`: expansion into the spool (time);
 *   4. a `worker`, running from before step 3 as under `postroom serve`, delivers to a local SMTP
 *      sink in its own process through one server with 8 sessions (messages per second, peak RSS).
 *
 *   npm run bench:campaign                                   SQLite in a temp directory
 *   npm run bench:campaign -- --contacts 200000 --recipients 50000
 *   npm run bench:campaign -- --dkim rsa          every message DKIM-signed (RSA-2048; or ed25519)
 *   npm run bench:campaign -- --sequential        the worker starts only once the campaign is expanded
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:campaign
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createBenchDatabase } from './bench-database.js';
import { writeContactsCsv } from './contacts-csv.js';
import type { ChildProcess } from 'node:child_process';
import { runTimed, type Timed } from './run-timed.js';
import { startSinkProcess } from './sink-process.js';

const { values: flags } = parseArgs({ options: { contacts: { type: 'string', default: '1000000' }, recipients: { type: 'string', default: '100000' }, sessions: { type: 'string', default: '8' }, dkim: { type: 'string', default: 'none' }, sequential: { type: 'boolean', default: false } } });
const contacts = Number(flags.contacts);
const recipients = Number(flags.recipients);

const TEMPLATE = `<html><head><style>p { font-family: sans-serif; color: #333 } .code { font-weight: bold }</style></head><body>
<h1>Hello {{ contact.first_name | default: "there" }}!</h1>
<p>Thanks for being on the {{ contact.plan }} plan in {{ contact.city }}, {{ contact.country }}.</p>
<p class="code">Your account: {{ contact.email | upcase }}</p>
{% if contact.plan == "pro" %}<p>As a pro customer you get early access.</p>{% endif %}
<p>${'Some news paragraph text. '.repeat(40)}</p>
</body></html>`;

async function main(): Promise<void> {
  const database = await createBenchDatabase();
  const sink = await startSinkProcess();
  try {
    const env = { ...process.env, POSTROOM_DATA_DIR: database.dataDir, POSTROOM_SECRET_KEY: 'ab'.repeat(32), POSTROOM_LOG_LEVEL: 'warn', POSTROOM_DNS: '127.0.0.1:9', ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}) };
    const must = async (args: string[], onSpawn?: (child: ChildProcess) => void): Promise<Timed> => {
      const run = await runTimed(['--json', ...args], env, onSpawn);
      if (run.code !== 0 && run.code !== 3) throw new Error(`postroom ${args.join(' ')} exited ${run.code}`);
      return run;
    };
    console.log(`database: ${database.description}`);
    await must(['migrate']);

    const all = path.join(database.dataDir, 'contacts.csv');
    await writeContactsCsv(all, contacts);
    const imported = await must(['contacts', 'import', all, '--list', 'Everyone']);
    const report = JSON.parse(imported.stdout) as { rows: number; created: number };
    console.log(`import: ${report.rows.toLocaleString()} rows in ${imported.seconds.toFixed(1)} s (${Math.round(report.rows / imported.seconds).toLocaleString()} rows/s), peak RSS ${imported.peakMb} MB`);

    const some = path.join(database.dataDir, 'audience.csv');
    await writeContactsCsv(some, recipients, { bad: false });
    await must(['contacts', 'import', some, '--list', 'Audience']);
    const html = path.join(database.dataDir, 'template.html');
    writeFileSync(html, TEMPLATE);
    await must(['template', 'create', '--name', 'News', '--subject', 'News for {{ contact.first_name }} in {{ contact.city }}', '--html-file', html]);
    await must(['server', 'add', '--name', 'sink', '--host', '127.0.0.1', '--port', String(sink.port), '--security', 'none', '--max-concurrent', flags.sessions!]);
    if (flags.dkim !== 'none') {
      await must(['domain', 'add', 'example.com', '--algorithm', flags.dkim!]);
      console.log(`DKIM: every message signed for example.com with ${flags.dkim === 'rsa' ? 'RSA-2048' : 'Ed25519'}`);
    }
    await must(['campaign', 'create', '--name', 'Bench', '--from', 'News <news@example.com>', '--list', 'Audience', '--template', 'News']);

    // As under `postroom serve`, the worker is running before the campaign is sent, so delivery
    // starts with the first committed batch; `--sequential` sends first and then starts the
    // worker, which shows expansion and delivery apart.
    let workerProcess: ChildProcess | null = null;
    const workerArgs = flags.sequential ? ['worker', '--exit-when-idle'] : ['worker'];
    let working: Promise<Timed> | null = null;
    if (!flags.sequential) {
      working = must(workerArgs, (child) => (workerProcess = child));
      await new Promise((r) => setTimeout(r, 2000));
    }
    const started = Date.now();
    const sent = await must(['campaign', 'send', 'Bench']);
    const expansion = JSON.parse(sent.stdout) as { total: number };
    console.log(`expansion: ${expansion.total.toLocaleString()} messages queued in ${sent.seconds.toFixed(1)} s (peak RSS ${sent.peakMb} MB)`);
    working ??= must(workerArgs, (child) => (workerProcess = child));
    // While the campaign sends: how long a transactional message waits behind it.
    await new Promise((r) => setTimeout(r, 5000));
    const queuedAt = performance.now();
    const one = JSON.parse((await must(['send', '--from', 'app@example.com', '--to', 'customer@example.net', '--subject', 'Password reset', '--text', 'Here is the link', '--server', 'sink'])).stdout) as { id: string };
    let waited = 0;
    for (;;) {
      const shown = JSON.parse((await must(['queue', 'show', one.id])).stdout) as { status: string };
      if (shown.status === 'sent') {
        waited = (performance.now() - queuedAt) / 1000;
        break;
      }
    }
    const counters = await sink.waitFor(recipients + 1, 3_600_000);
    if (!flags.sequential) (workerProcess as ChildProcess | null)?.kill('SIGTERM');
    const worker = await working;
    const total = (counters.lastAt! - started) / 1000;
    const delivering = (counters.lastAt! - counters.firstAt!) / 1000;
    const status = JSON.parse((await must(['campaign', 'status', 'Bench'])).stdout) as { recipients: Record<string, number>; status: string };
    console.log(`delivery: ${counters.messages.toLocaleString()} messages at the sink in ${delivering.toFixed(1)} s, first to last (${Math.round(counters.messages / delivering).toLocaleString()}/s), worker peak RSS ${worker.peakMb} MB`);
    console.log(`end to end (campaign send → last message at the sink${flags.sequential ? ', worker started after expansion' : ', worker already running'}): ${total.toFixed(1)} s, ${Math.round(counters.messages / total).toLocaleString()} messages/s; campaign ${status.status}: ${JSON.stringify(status.recipients)}`);
    console.log(`a transactional message sent 5 s into the campaign was delivered ${waited.toFixed(1)} s after it was queued (including two command starts)`);
    if (counters.messages !== recipients + 1) console.log(`WARNING: the sink received ${counters.messages} messages, expected ${recipients + 1}`);
    if (flags.dkim !== 'none') console.log(`DKIM: ${counters.signed.toLocaleString()} of ${counters.messages.toLocaleString()} messages arrived signed`);
  } finally {
    await sink.close();
    await database.drop();
  }
}

await main();
