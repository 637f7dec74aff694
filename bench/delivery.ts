/**
 * Delivery benchmark: how fast Postroom spools and delivers through one outgoing server, against
 * the ceiling of bare pooled nodemailer sending the same messages to the same sink.
 *
 *   npm run bench:delivery                       20,000 messages, SQLite in a temp directory
 *   node dist/bench/delivery.js --messages 5000 --json
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node dist/bench/delivery.js
 *       (a fresh database `postroom_bench_<pid>` is created next to the one named, then dropped)
 *
 * Flags: --messages N, --json, --skip-postroom, --skip-nodemailer, --keep (keep the data directory
 * and the PostgreSQL database), --direct (Postroom's built-in delivery instead of an SMTP relay:
 * the recipients' MX host, found through a local DNS server, is the sink; the shaping table gives
 * that destination the same 8 connections). POSTROOM_CLAIM_BATCH / POSTROOM_MAX_IN_FLIGHT etc. are honoured.
 *
 * The sink runs in a child process (bench/sink.ts) so it has a core of its own.
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import nodemailer from 'nodemailer';
import { pino } from 'pino';
import { loadConfig } from '../src/config/index.js';
import { openApp, type App } from '../src/app/open-app.js';
import { createServer } from '../src/servers/index.js';
import { enqueueMessage, enqueueMessages, type MessageInput } from '../src/spool/index.js';
import { startWorker } from '../src/delivery/index.js';
import { messageFor } from './messages.js';
import { startSinkProcess, type SinkHandle } from './sink-process.js';
import { createBenchDatabase } from './bench-database.js';
import { startBenchDns, type BenchDns } from './bench-dns.js';

const ENQUEUE_BATCH = 500;
const SINGLE_SAMPLE = 500;
const CONNECTIONS = 8;
/** sendMail calls outstanding at once in the nodemailer run (8 per connection). */
const NODEMAILER_WINDOW = 64;
/** Untimed nodemailer messages sent before the timed run. */
const NODEMAILER_WARMUP = 500;

interface Rate {
  count: number;
  seconds: number;
  perSecond: number;
}

interface Results {
  messages: number;
  database: string;
  messageBytes: number;
  /** 1-minute load average before and after: this machine has 2 cores, other work skews the numbers. */
  loadAverage?: { before: number; after: number };
  enqueueBatched?: Rate & { batchSize: number };
  enqueueSingle?: Rate;
  /** Enqueue (batches) plus end-to-end delivery, run one after the other: MIME is built at enqueue. */
  postroomTotal?: Rate;
  /** cpuMsPerMessage: this process's user + system CPU time per message (less skewed by other load than wall time). */
  postroom?: Rate & { sinkSeconds: number; sessions: number; sentRecipients: number; sentMessages: number; cpuMsPerMessage: number; sinkCpuShare: number };
  nodemailer?: Rate & { connections: number; sessions: number; cpuMsPerMessage: number; sinkCpuShare: number };
  ratio?: number;
}

// ---------------------------------------------------------------------------------------------
// arguments

const { values: flags } = parseArgs({
  options: {
    messages: { type: 'string', default: '20000' },
    json: { type: 'boolean', default: false },
    'skip-postroom': { type: 'boolean', default: false },
    'skip-nodemailer': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    direct: { type: 'boolean', default: false },
  },
  strict: true,
});
const N = Number(flags.messages);
if (!Number.isInteger(N) || N <= 0) {
  process.stderr.write(`--messages: expected a positive whole number, got "${flags.messages}"\n`);
  process.exit(2);
}
const json = flags.json ?? false;

/** Progress and results as text: stdout normally, stderr when stdout carries the JSON. */
function say(line: string): void {
  (json ? process.stderr : process.stdout).write(line + '\n');
}

/**
 * With BENCH_MARKS=1, phase boundaries go to stderr as monotonic microseconds (the clock of a
 * --cpu-prof profile), so a profile can be cut to one phase.
 */
function mark(phase: string): void {
  if (process.env.BENCH_MARKS === '1') process.stderr.write(`mark ${phase} ${process.hrtime.bigint() / 1000n}\n`);
}

// ---------------------------------------------------------------------------------------------
// runs

function rate(count: number, ms: number): Rate {
  const seconds = ms / 1000;
  return { count, seconds, perSecond: count / seconds };
}

const fmtSeconds = (s: number): string => (s < 10 ? s.toFixed(2) : s.toFixed(1));
const fmtRate = (r: number): string => Math.round(r).toString();

async function runPostroom(app: App, sink: SinkHandle, inputs: MessageInput[], results: Results): Promise<void> {
  const serverCtx = { store: app.store, clock: app.clock, secrets: app.secrets };
  if (flags.direct) await createServer(serverCtx, { name: 'bench-direct', kind: 'direct', port: sink.port, maxConcurrent: CONNECTIONS });
  else await createServer(serverCtx, { name: 'bench-sink', host: '127.0.0.1', port: sink.port, security: 'none', auth: 'none', maxConcurrent: CONNECTIONS });
  const enqueueCtx = { store: app.store, clock: app.clock, lifetimeMs: app.config.retry.lifetimeMs };

  // 1. Enqueue in batches, each batch one transaction (how campaign expansion enqueues).
  mark('enqueue-start');
  let started = performance.now();
  for (let i = 0; i < inputs.length; i += ENQUEUE_BATCH) {
    await enqueueMessages(enqueueCtx, inputs.slice(i, i + ENQUEUE_BATCH));
  }
  const enqueueBatched = { ...rate(inputs.length, performance.now() - started), batchSize: ENQUEUE_BATCH };
  mark('enqueue-end');
  results.enqueueBatched = enqueueBatched;
  say(`enqueue (batches of ${ENQUEUE_BATCH}): ${N} messages in ${fmtSeconds(enqueueBatched.seconds)} s = ${fmtRate(enqueueBatched.perSecond)}/s`);

  // 2. Deliver everything: from the worker's start until it has nothing left.
  await sink.reset();
  const reached = sink.waitFor(N, 30 * 60_000);
  mark('deliver-start');
  const cpuBefore = process.cpuUsage();
  started = performance.now();
  const startedAt = Date.now();
  const worker = startWorker({ store: app.store, clock: app.clock, secrets: app.secrets, config: app.config, log: app.log, clientName: 'bench.postroom.local' }, { exitWhenIdle: true });
  await worker.done;
  const elapsed = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  mark('deliver-end');
  const received = await Promise.race([reached, sink.stats()]);
  if (received.messages < N) throw new Error(`postroom: the worker finished but the sink received only ${received.messages} of ${N} messages`);

  const sentRecipients = await app.store.db.selectFrom('recipients').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'sent').executeTakeFirstOrThrow();
  const sentMessages = await app.store.db.selectFrom('messages').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'sent').executeTakeFirstOrThrow();
  if (Number(sentRecipients.n) !== N || Number(sentMessages.n) !== N) {
    throw new Error(`postroom: expected ${N} recipients and messages sent, the database shows ${sentRecipients.n} recipients and ${sentMessages.n} messages`);
  }
  const stats = await sink.stats();
  const sinkSeconds = stats.lastAt !== null ? (stats.lastAt - startedAt) / 1000 : NaN;
  const cpuMsPerMessage = (cpu.user + cpu.system) / 1000 / N;
  results.postroom = { ...rate(N, elapsed), sinkSeconds, sessions: stats.sessions, sentRecipients: Number(sentRecipients.n), sentMessages: Number(sentMessages.n), cpuMsPerMessage, sinkCpuShare: stats.cpuMs / elapsed };
  results.messageBytes = Math.round(stats.bytes / Math.max(1, stats.messages));
  say(
    `postroom end-to-end: ${N} in ${fmtSeconds(results.postroom.seconds)} s = ${fmtRate(results.postroom.perSecond)}/s` +
      ` (last message at the sink after ${fmtSeconds(sinkSeconds)} s; ${stats.sessions} sessions; DB: ${sentRecipients.n} recipients sent; CPU ${cpuMsPerMessage.toFixed(3)} ms/message; sink busy ${Math.round(results.postroom.sinkCpuShare * 100)}% of a core)`,
  );

  results.postroomTotal = rate(N, (enqueueBatched.seconds + results.postroom.seconds) * 1000);
  say(`postroom enqueue + delivery (MIME is built at enqueue): ${N} in ${fmtSeconds(results.postroomTotal.seconds)} s = ${fmtRate(results.postroomTotal.perSecond)}/s`);

  // 3. Single-message enqueue, one transaction each (API / relay submissions). These stay queued.
  const sample = Math.min(SINGLE_SAMPLE, N);
  started = performance.now();
  for (let i = 0; i < sample; i++) await enqueueMessage(enqueueCtx, inputs[i]!);
  const enqueueSingle = rate(sample, performance.now() - started);
  results.enqueueSingle = enqueueSingle;
  say(`enqueue (one transaction each): ${sample} in ${fmtSeconds(enqueueSingle.seconds)} s = ${fmtRate(enqueueSingle.perSecond)}/s`);
}

/**
 * The ceiling: nodemailer's pool building MIME per message. Kept at its best: a warm-up pass
 * first (so its code is as JIT-warm as Postroom's), and at most NODEMAILER_WINDOW sendMail calls
 * outstanding, as a careful sender would do (handing it all N promises at once measured ~30%
 * slower here: its queue and 20,000 pending promises cost more than the sending).
 */
async function runNodemailer(sink: SinkHandle, inputs: MessageInput[], results: Results): Promise<void> {
  const transport = nodemailer.createTransport({ pool: true, maxConnections: CONNECTIONS, host: '127.0.0.1', port: sink.port, secure: false, ignoreTLS: true, logger: false });
  let failures = 0;
  const sendAll = async (messages: MessageInput[]): Promise<void> => {
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < messages.length) {
        const m = messages[next++]!;
        await transport.sendMail({ from: m.from, to: m.to, subject: m.subject, text: m.text }).catch((error: unknown) => {
          failures += 1;
          if (failures === 1) say(`nodemailer: ${(error as Error).message}`);
        });
      }
    };
    await Promise.all(Array.from({ length: NODEMAILER_WINDOW }, lane));
  };
  try {
    await sendAll(inputs.slice(0, Math.min(NODEMAILER_WARMUP, N)));
    await sink.reset();
    const reached = sink.waitFor(N, 30 * 60_000);
    mark('nodemailer-start');
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    await sendAll(inputs);
    const elapsed = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    mark('nodemailer-end');
    if (failures > 0) throw new Error(`nodemailer: ${failures} messages failed`);
    await reached;
    const stats = await sink.stats();
    const cpuMsPerMessage = (cpu.user + cpu.system) / 1000 / N;
    results.nodemailer = { ...rate(N, elapsed), connections: CONNECTIONS, sessions: stats.sessions, cpuMsPerMessage, sinkCpuShare: stats.cpuMs / elapsed };
    results.messageBytes ??= Math.round(stats.bytes / Math.max(1, stats.messages));
    say(`bare nodemailer pool (${CONNECTIONS} connections): ${N} in ${fmtSeconds(results.nodemailer.seconds)} s = ${fmtRate(results.nodemailer.perSecond)}/s (${stats.sessions} sessions; CPU ${cpuMsPerMessage.toFixed(3)} ms/message; sink busy ${Math.round(results.nodemailer.sinkCpuShare * 100)}% of a core)`);
  } finally {
    transport.close();
  }
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const inputs = Array.from({ length: N }, (_, i) => messageFor(i));
  const database = await createBenchDatabase();
  const results: Results = { messages: N, database: database.description, messageBytes: 0 };
  const loadBefore = loadavg()[0]!;
  const sink = await startSinkProcess();
  let app: App | null = null;
  let dns: BenchDns | null = null;
  try {
    say(`${N} messages (text part ${Buffer.byteLength(inputs[0]!.text ?? '')} chars), one recipient each; database: ${database.description}; sink on 127.0.0.1:${sink.port} (child process); load average ${loadBefore.toFixed(2)}`);
    if (!flags['skip-postroom']) {
      let env: NodeJS.ProcessEnv = process.env;
      if (flags.direct) {
        dns = await startBenchDns('example.net', 'mx.example.net', '127.0.0.1');
        const shaping = path.join(database.dataDir, 'bench-shaping.txt');
        writeFileSync(shaping, `bench  example.net  connections=${CONNECTIONS} per-minute=none per-session=100\n`);
        env = { ...process.env, POSTROOM_DNS: dns.address, POSTROOM_SHAPING_FILE: shaping };
        say(`direct delivery: MX of example.net from ${dns.address}, ${CONNECTIONS} connections to it`);
      }
      const config = loadConfig({ dataDir: database.dataDir, ...(database.databaseUrl ? { databaseUrl: database.databaseUrl } : {}) }, env);
      app = await openApp(config, { log: pino({ level: 'silent' }) });
      await runPostroom(app, sink, inputs, results);
      await app.close();
      app = null;
    }
    if (!flags['skip-nodemailer']) await runNodemailer(sink, inputs, results);
    results.loadAverage = { before: loadBefore, after: loadavg()[0]! };
    say(`message size on the wire: ~${results.messageBytes} bytes; load average after: ${results.loadAverage.after.toFixed(2)}`);
    if (results.postroom && results.nodemailer) {
      results.ratio = results.postroom.perSecond / results.nodemailer.perSecond;
      say(`ratio: ${Math.round(results.ratio * 100)}% (postroom end-to-end / bare nodemailer)`);
      if (results.postroomTotal) say(`ratio with enqueue: ${Math.round((results.postroomTotal.perSecond / results.nodemailer.perSecond) * 100)}% (postroom enqueue + delivery / bare nodemailer)`);
    }
    if (json) process.stdout.write(JSON.stringify(results, null, 2) + '\n');
  } finally {
    if (app) await app.close().catch(() => undefined);
    await sink.close();
    await dns?.close();
    if (flags.keep) say(`kept: ${database.dataDir}${database.databaseUrl ? ` and ${database.databaseUrl}` : ''}`);
    else await database.drop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`delivery benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
