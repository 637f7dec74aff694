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
 * and the PostgreSQL database). POSTROOM_CLAIM_BATCH / POSTROOM_MAX_IN_FLIGHT etc. are honoured.
 *
 * The sink runs in a child process (bench/sink.ts) so it has a core of its own.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import nodemailer from 'nodemailer';
import pg from 'pg';
import { pino } from 'pino';
import { loadConfig } from '../src/config/index.js';
import { openApp, type App } from '../src/app/open-app.js';
import { createServer } from '../src/servers/index.js';
import { enqueueMessage, enqueueMessages, type MessageInput } from '../src/spool/index.js';
import { startWorker } from '../src/delivery/index.js';

const ENQUEUE_BATCH = 500;
const SINGLE_SAMPLE = 500;
const CONNECTIONS = 8;
/** sendMail calls outstanding at once in the nodemailer run (8 per connection). */
const NODEMAILER_WINDOW = 64;
/** Untimed nodemailer messages sent before the timed run. */
const NODEMAILER_WARMUP = 500;

interface SinkCounters {
  messages: number;
  recipients: number;
  bytes: number;
  sessions: number;
  firstAt: number | null;
  lastAt: number | null;
  cpuMs: number;
}

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
  /** cpuMsPerMessage: this process's user + system CPU time per message during the run (less skewed by other load than wall time). */
  /** Enqueue (batches) plus end-to-end delivery, run one after the other: MIME is built at enqueue. */
  postroomTotal?: Rate;
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
// messages: ~2 KB each, one recipient, realistic text

const PARAGRAPHS = [
  'Thank you for being part of our community this year. We have put together a short summary of what changed in your account, the articles our readers liked most, and a few events coming up next month that we think you will enjoy.',
  'Our team shipped faster search, a cleaner reading view and offline mode for the mobile app. If you have not tried them yet, open the app and look for the new icons at the top of the screen. As always, tell us what works and what does not.',
  'The most read article this week explains how small teams plan their quarters without spreadsheets: one page, three goals, and a weekly check-in that takes no more than fifteen minutes. Several readers wrote in with their own variations.',
  'Upcoming: a live session on writing clear project updates (Tuesday, 17:00 UTC), a workshop on accessible design for forms (Thursday), and our monthly open office hours. Seats are limited, so reserve yours from the events page.',
  'Member spotlight: this month we talked to a volunteer who runs a repair cafe every Saturday. In two years the group has fixed more than four hundred toasters, lamps and bicycles, and taught dozens of neighbours to do it themselves.',
  'A quick reminder about your plan: it renews on the first of next month at the same price. Nothing changes unless you want it to. Invoices and receipts are always available from the billing section of your account.',
  'You are receiving this email because you subscribed to the weekly digest. You can change how often we write, or unsubscribe with one click, from your preferences page. We never share your address with anyone.',
];

function messageFor(i: number): MessageInput {
  const name = `Reader ${i}`;
  const lines = [`Hello ${name},`, '', ...PARAGRAPHS.flatMap((p) => [wrap(p), '']), `Reference: digest-${i.toString(36)}-${(i * 7919) % 100000}`, '', 'The Example Weekly team', '', '--', 'Example Weekly, 12 Harbour Street, Springfield 4021', `Preferences: https://example.com/preferences?u=${(i * 2654435761) % 4294967296}`];
  return {
    from: 'Example Weekly <news@example.com>',
    to: [`${name} <reader${i}@example.net>`],
    subject: `Your weekly digest #${i}: new features, top articles and events`,
    text: lines.join('\n'),
  };
}

function wrap(text: string, width = 76): string {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------
// the sink child process

interface SinkHandle {
  port: number;
  reset(): Promise<void>;
  waitFor(count: number, timeoutMs: number): Promise<SinkCounters>;
  stats(): Promise<SinkCounters>;
  close(): Promise<void>;
}

async function startSinkProcess(): Promise<SinkHandle> {
  const script = fileURLToPath(new URL('./sink.js', import.meta.url));
  const child: ChildProcess = fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [] });
  const listeners = new Set<(message: { type: string } & Record<string, unknown>) => void>();
  child.on('message', (message: { type: string } & Record<string, unknown>) => {
    for (const listener of [...listeners]) listener(message);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const next = <T>(type: string, timeoutMs = 10_000): Promise<T> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        listeners.delete(listener);
        reject(new Error(`sink: no "${type}" within ${timeoutMs} ms`));
      }, timeoutMs);
      const listener = (message: { type: string }) => {
        if (message.type !== type) return;
        clearTimeout(timer);
        listeners.delete(listener);
        resolve(message as T);
      };
      listeners.add(listener);
      void exited.then(() => {
        clearTimeout(timer);
        if (listeners.delete(listener)) reject(new Error('sink: the process exited'));
      });
    });
  const { port } = await next<{ port: number }>('listening');
  return {
    port,
    async reset() {
      const done = next('reset');
      child.send({ type: 'reset' });
      await done;
    },
    waitFor(count, timeoutMs) {
      const done = next<SinkCounters>('reached', timeoutMs);
      // Callers may give up on it (a failed run): its rejection must not surface as unhandled.
      done.catch(() => undefined);
      child.send({ type: 'wait', count });
      return done;
    },
    async stats() {
      const done = next<SinkCounters>('stats');
      child.send({ type: 'stats' });
      return done;
    },
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.send({ type: 'close' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// database: SQLite in a temp directory, or a fresh PostgreSQL database next to DATABASE_URL

interface BenchDatabase {
  dataDir: string;
  databaseUrl: string | undefined;
  description: string;
  drop(): Promise<void>;
}

async function createDatabase(): Promise<BenchDatabase> {
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
  await createServer(serverCtx, { name: 'bench-sink', host: '127.0.0.1', port: sink.port, security: 'none', auth: 'none', maxConcurrent: CONNECTIONS });
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
  const database = await createDatabase();
  const results: Results = { messages: N, database: database.description, messageBytes: 0 };
  const loadBefore = loadavg()[0]!;
  const sink = await startSinkProcess();
  let app: App | null = null;
  try {
    say(`${N} messages (text part ${Buffer.byteLength(inputs[0]!.text ?? '')} chars), one recipient each; database: ${database.description}; sink on 127.0.0.1:${sink.port} (child process); load average ${loadBefore.toFixed(2)}`);
    if (!flags['skip-postroom']) {
      const config = loadConfig({ dataDir: database.dataDir, ...(database.databaseUrl ? { databaseUrl: database.databaseUrl } : {}) }, process.env);
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
    if (flags.keep) say(`kept: ${database.dataDir}${database.databaseUrl ? ` and ${database.databaseUrl}` : ''}`);
    else await database.drop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`delivery benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
