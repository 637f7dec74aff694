/** The SMTP sink as a child process (bench/sink.ts), so it has a core of its own, like a remote server. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface SinkCounters {
  messages: number;
  recipients: number;
  bytes: number;
  sessions: number;
  /** Messages that arrived with a DKIM-Signature header field. */
  signed: number;
  firstAt: number | null;
  lastAt: number | null;
  cpuMs: number;
}


export interface SinkHandle {
  port: number;
  reset(): Promise<void>;
  waitFor(count: number, timeoutMs: number): Promise<SinkCounters>;
  stats(): Promise<SinkCounters>;
  close(): Promise<void>;
}

export async function startSinkProcess(): Promise<SinkHandle> {
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

