/**
 * Runs the BUILT `postroom` CLI (dist/src/cli/main.js, from `npm run build`) as a child process
 * against a temporary SQLite data directory. Children are always asynchronous: the in-test SMTP
 * sink lives in this process and must keep answering while a `worker` child talks to it.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../helpers/databases.js';
import { until } from '../helpers/wait.js';

export const CLI = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));

/** 64 hex characters: a 32-byte key, so no key file is written into the data directory. */
export const SECRET_KEY = '0123456789abcdef'.repeat(4);

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
}

export function assertBuilt(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` before the CLI tests`);
}

/** The environment every child gets: SQLite in --data, a fixed key, no logs, a quick poll. */
export function cliEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('POSTROOM_') || name === 'DATABASE_URL') delete env[name];
  Object.assign(env, { POSTROOM_SECRET_KEY: SECRET_KEY, POSTROOM_LOG_LEVEL: 'silent', POSTROOM_POLL_MS: '50' });
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** Runs `postroom --data DIR ...args` to completion (killed after `timeoutMs`). */
export function cli(dataDir: string, args: string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, '--data', dataDir, ...args],
      { env: cliEnv(options.env), timeout: options.timeoutMs ?? 30_000, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const e = error as (NodeJS.ErrnoException & { code?: number | string; signal?: NodeJS.Signals | null }) | null;
        resolve({
          code: e ? (typeof e.code === 'number' ? e.code : null) : 0,
          signal: e?.signal ?? null,
          stdout,
          stderr,
        });
      },
    );
  });
}

/** Runs a command that must succeed; a failure shows its stderr. */
export async function ok(dataDir: string, args: string[], options: CliOptions = {}): Promise<string> {
  const result = await cli(dataDir, args, options);
  if (result.code !== 0) {
    throw new Error(`postroom ${args.join(' ')} exited ${result.code ?? result.signal}: ${result.stderr.trim() || result.stdout.trim()}`);
  }
  return result.stdout;
}

/** Runs a `--json` command that must succeed and parses its stdout. */
export async function okJson<T = any>(dataDir: string, args: string[], options: CliOptions = {}): Promise<T> {
  const stdout = await ok(dataDir, ['--json', ...args], options);
  try {
    return JSON.parse(stdout) as T;
  } catch {
    throw new Error(`postroom --json ${args.join(' ')} printed something that is not JSON: ${stdout.slice(0, 500)}`);
  }
}

export interface Child {
  process: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code and signal (at once if it has already exited). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL if still running; for `finally`. */
  kill(): void;
}

/** Starts a long-running command (`serve`, `worker`) in the background. */
export function startCli(dataDir: string, args: string[], options: CliOptions = {}): Child {
  const child = spawn(process.execPath, [CLI, '--data', dataDir, ...args], { env: cliEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  return {
    process: child,
    stdout: () => out,
    stderr: () => err,
    exited,
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** Resolves with `promise`, or rejects after `ms`. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms);
    }),
  ]);
}

/** Polls `check` until it returns a value other than undefined. */
export function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  return until(what, check, timeoutMs, 100);
}

export function newDataDir(): { dir: string; remove(): void } {
  const dir = tempDir('postroom-cli-');
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Every row of every table in the data directory's SQLite database, as one string: two equal
 * fingerprints mean nothing was written in between. Read in this process, so it costs
 * milliseconds rather than a CLI start.
 */
export function databaseFingerprint(dataDir: string): string {
  const db = new Database(path.join(dataDir, 'postroom.db'), { fileMustExist: true });
  try {
    const tables = db.prepare("select name from sqlite_master where type = 'table' order by name").all() as Array<{ name: string }>;
    const dump: Record<string, unknown[]> = {};
    for (const { name } of tables) {
      dump[name] = db.prepare(`select * from "${name}" order by rowid`).raw().all().map((row) =>
        (row as unknown[]).map((cell) => (Buffer.isBuffer(cell) ? cell.toString('base64') : cell)),
      );
    }
    return JSON.stringify(dump);
  } finally {
    db.close();
  }
}

/** Reads one query's rows straight from the SQLite database (for what the CLI never prints). */
export function query<T = Record<string, unknown>>(dataDir: string, sql: string, ...params: unknown[]): T[] {
  const db = new Database(path.join(dataDir, 'postroom.db'), { fileMustExist: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}
