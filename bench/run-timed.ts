/** Runs the built `postroom` command as its own process and measures it: whole-process seconds and peak resident memory. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli', 'main.js');

export interface Timed {
  code: number;
  stdout: string;
  seconds: number;
  peakMb: number;
}

/** `onSpawn` receives the child process, for a caller that stops it with a signal. */
export async function runTimed(args: string[], env: NodeJS.ProcessEnv, onSpawn?: (child: ChildProcess) => void): Promise<Timed> {
  const started = performance.now();
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  onSpawn?.(child);
  let peakKb = 0;
  // VmHWM is the process's peak so far; the last reading before it exits is its peak.
  const watch = setInterval(() => {
    try {
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (hwm) peakKb = Math.max(peakKb, Number(hwm[1]));
    } catch {
      // exited
    }
  }, 50);
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
  const [code] = (await once(child, 'close')) as [number];
  clearInterval(watch);
  return { code, stdout, seconds: (performance.now() - started) / 1000, peakMb: Math.round(peakKb / 1024) };
}
