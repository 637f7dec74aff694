/**
 * The built `postroom` command as a child process (node dist/src/cli/main.js; `npm run build`
 * first). Every child started here is tracked so a test's afterEach can SIGKILL whatever is
 * still running, whatever the test's outcome.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { loadConfig, type Config } from '../../src/config/index.js';
import { openApp, type App } from '../../src/app/open-app.js';
import { enqueueMessages } from '../../src/spool/index.js';
import type { TestDatabase } from './databases.js';

export const CLI = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The key both the in-process app and the children use to encrypt server secrets. */
export const TEST_SECRET_KEY = 'ab'.repeat(32);

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface PostroomProcess {
  child: ChildProcess;
  pid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has exited (never rejects). */
  exited: Promise<Exit>;
  /** The exit, once there is one. */
  exit(): Exit | null;
  kill(signal?: NodeJS.Signals): void;
  /** Waits for the exit; rejects (after SIGKILLing the child) when it takes longer than `timeoutMs`. */
  waitForExit(timeoutMs: number): Promise<Exit>;
}

const running = new Set<PostroomProcess>();

/** Environment for a child on `database`: the inherited one without any Postroom or database setting, plus `extra`. */
export function postroomEnv(database: TestDatabase, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('POSTROOM_') || key === 'DATABASE_URL') continue;
    env[key] = value;
  }
  env.POSTROOM_DATA_DIR = database.dataDir;
  if (database.databaseUrl) env.DATABASE_URL = database.databaseUrl;
  env.POSTROOM_SECRET_KEY = TEST_SECRET_KEY;
  // No DNS leaves the machine: a closed local port answers every lookup with an error at once.
  env.POSTROOM_DNS = '127.0.0.1:9';
  // Errors only, and only into the child's captured stderr (see loggedErrors); never printed.
  env.POSTROOM_LOG_LEVEL = process.env.POSTROOM_TEST_LOG ?? 'error';
  return { ...env, ...extra };
}

export function spawnPostroom(args: string[], env: NodeJS.ProcessEnv): PostroomProcess {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` before these tests`);
  const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  let exit: Exit | null = null;
  const exited = new Promise<Exit>((resolve) => {
    child.once('error', (error) => {
      err += `\nspawn error: ${error.message}`;
      exit ??= { code: null, signal: null };
      resolve(exit);
    });
    child.once('close', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
  });
  const proc: PostroomProcess = {
    child,
    pid: child.pid ?? -1,
    stdout: () => out,
    stderr: () => err,
    exited,
    exit: () => exit,
    kill(signal = 'SIGKILL') {
      if (exit === null && child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    async waitForExit(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
      const result = await Promise.race([exited, timeout]);
      clearTimeout(timer);
      if (result === 'timeout') {
        proc.kill('SIGKILL');
        await exited;
        throw new Error(`postroom ${args.join(' ')} (pid ${proc.pid}) did not exit within ${timeoutMs} ms\nstderr: ${err.slice(-2000)}`);
      }
      return result;
    },
  };
  running.add(proc);
  void exited.then(() => running.delete(proc));
  return proc;
}

/** SIGKILLs every child still running and waits for them to be gone (for afterEach). */
export async function killAllPostroom(): Promise<void> {
  const left = [...running];
  for (const proc of left) proc.kill('SIGKILL');
  await Promise.all(left.map((proc) => proc.exited));
}

/** Opens the app in this process on `database`, with the same secret key the children use. */
export async function openTestApp(database: TestDatabase): Promise<App> {
  const base = loadConfig({ dataDir: database.dataDir, databaseUrl: database.databaseUrl }, {});
  const config: Config = { ...base, secretKey: TEST_SECRET_KEY };
  return openApp(config, { log: pino({ level: process.env.POSTROOM_TEST_LOG ?? 'silent' }) });
}

/** Enqueues `count` one-recipient messages in batches; returns their ids. */
export async function enqueueMany(app: App, count: number, batch = 500): Promise<string[]> {
  const ctx = { store: app.store, clock: app.clock, lifetimeMs: app.config.retry.lifetimeMs };
  const ids: string[] = [];
  for (let start = 0; start < count; start += batch) {
    const inputs = [];
    for (let n = start; n < Math.min(count, start + batch); n++) {
      inputs.push({ from: 'sender@example.com', to: [`rcpt${n}@example.org`], subject: `Message ${n}`, text: `Hello ${n}` });
    }
    ids.push(...(await enqueueMessages(ctx, inputs)));
  }
  return ids;
}

/** Waits until `condition()` holds, polling every `everyMs`; rejects with `describe()` after `timeoutMs`. */
export async function waitUntil(condition: () => boolean, timeoutMs: number, describe: () => string, everyMs = 5): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${describe()}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The error (and fatal) lines a child logged to stderr, each as "msg: error message". */
export function loggedErrors(proc: PostroomProcess): string[] {
  const out: string[] = [];
  for (const line of proc.stderr().split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const entry = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string; code?: string } };
      if ((entry.level ?? 0) >= 50) out.push(`${entry.msg ?? '?'}: ${entry.err?.message ?? ''}${entry.err?.code ? ` (${entry.err.code})` : ''}`);
    } catch {
      // not a log line
    }
  }
  return out;
}

/** Distinct lines with how often each occurred, for failure messages. */
export function tally(lines: string[]): string {
  const counts = new Map<string, number>();
  for (const line of lines) counts.set(line, (counts.get(line) ?? 0) + 1);
  return counts.size === 0 ? '(none)' : [...counts].map(([line, n]) => `${n}x ${line}`).join('; ');
}

/** What `postroom --json worker` prints when it stops. */
export interface WorkerSummary {
  stopped: boolean;
  claimed: number;
  recorded: number;
  inFlight: number;
  /** Recipients still being sent when the shutdown grace ended. */
  stillSending: number;
}

/** The summary a `--json worker` child printed when it stopped (JSON, possibly over several lines). */
export function workerSummary(proc: PostroomProcess): WorkerSummary {
  const text = proc.stdout().trim();
  const start = text.lastIndexOf('\n{');
  try {
    return JSON.parse(start >= 0 ? text.slice(start + 1) : text) as WorkerSummary;
  } catch {
    throw new Error(`worker ${proc.pid} printed no JSON summary; stdout: ${text.slice(-1000)}; stderr: ${proc.stderr().slice(-2000)}`);
  }
}
