/**
 * One bash process per guide page, fed the page's commands one at a time, so that what a command
 * sets (`ID=$(…)`, `export POSTROOM=…`, files it writes in the working directory) is there for
 * the next, as it would be in a reader's terminal. Each command runs in a `{ …; }` group (not a
 * subshell: its assignments stay) with its output in files of its own and stdin from /dev/null;
 * bash then prints a marker line with the exit status, which is how the test knows it ended.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface ShellResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ShellSession {
  /** Runs one command (several lines allowed); rejects when it has not ended within `timeoutMs`. */
  run(command: string, timeoutMs: number): Promise<ShellResult>;
  close(): Promise<void>;
}

const MARK = '__GUIDE_COMMAND_DONE__';

export function openShell(cwd: string, env: NodeJS.ProcessEnv): ShellSession {
  const outDir = mkdtempSync(path.join(tmpdir(), 'postroom-guide-out-'));
  const bash: ChildProcess = spawn('bash', ['--noprofile', '--norc'], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let waiting: { n: number; resolve: (code: number) => void } | null = null;
  bash.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    const done = new RegExp(`^${MARK} (\\d+) (\\d+)$`, 'm').exec(out);
    if (done && waiting && Number(done[1]) === waiting.n) {
      out = out.slice(done.index + done[0].length);
      const w = waiting;
      waiting = null;
      w.resolve(Number(done[2]));
    }
  });
  bash.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<void>((resolve) => bash.once('close', () => resolve()));
  bash.stdin!.write('set -o pipefail\n');
  let n = 0;

  return {
    async run(command, timeoutMs) {
      const i = ++n;
      const file = (ext: string) => path.join(outDir, `${i}.${ext}`);
      const code = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting = null;
          reject(new Error(`the command did not end within ${timeoutMs} ms\nbash said: ${err.slice(-2000)}`));
        }, timeoutMs);
        waiting = { n: i, resolve: (c) => (clearTimeout(timer), resolve(c)) };
        bash.stdin!.write(`{\n${command}\n} > '${file('out')}' 2> '${file('err')}' < /dev/null\necho "${MARK} ${i} $?"\n`);
      });
      return { code, stdout: readFileSync(file('out'), 'utf8'), stderr: readFileSync(file('err'), 'utf8') };
    },
    async close() {
      bash.stdin!.end('exit 0\n');
      const timer = setTimeout(() => bash.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
      rmSync(outDir, { recursive: true, force: true });
    },
  };
}
