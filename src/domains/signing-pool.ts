/**
 * Spreads DKIM signing over threads. The delivery worker's main thread is busy with the spool,
 * rendering and the SMTP sessions; a signature (about 0.3 ms for RSA-2048, 0.04 ms for Ed25519,
 * plus canonicalization and hashing) is work another core can do meanwhile. So on a machine with
 * more than one core every signature is made on a signing thread.
 *
 * Passing one message per postMessage would cost nearly as much as an Ed25519 signature, so
 * requests are batched: everything asked for in one turn of the event loop leaves in one
 * message, and the thread answers in small groups (see signing-worker.ts) so the first
 * signatures come back while the rest are still being made.
 *
 * The thread's code is the compiled `signing-worker.js` beside this file; where it is not there
 * (running from TypeScript sources in tests) signing happens inline, with the same result.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { signMessage, type DkimSigningKey } from './dkim-sign.js';
import type { SigningAnswer, SigningJob, SigningRequest } from './signing-worker.js';

interface Thread {
  worker: Worker;
  pending: number;
  keys: Set<number>;
  /** Jobs waiting for the end of this turn to be sent. */
  batch: SigningJob[];
  transfer: ArrayBuffer[];
}

interface Job {
  resolve: (raw: Buffer) => void;
  reject: (error: Error) => void;
  thread: Thread;
}

export class SigningPool {
  private readonly threads: Thread[] = [];
  private readonly jobs = new Map<number, Job>();
  private readonly keyIds = new WeakMap<DkimSigningKey, number>();
  private nextJob = 1;
  private nextKey = 1;
  private started = false;
  private flushScheduled = false;

  /** `size` threads (default: one fewer than the cores, at most 4; none on one core), started at the first signature. */
  constructor(private readonly size = Math.min(4, availableParallelism() - 1)) {}

  private start(): void {
    this.started = true;
    const file = fileURLToPath(new URL('./signing-worker.js', import.meta.url));
    if (this.size < 1 || !existsSync(file)) return;
    for (let i = 0; i < this.size; i++) {
      const thread: Thread = { worker: new Worker(file), pending: 0, keys: new Set(), batch: [], transfer: [] };
      thread.worker.unref();
      thread.worker.on('message', (answers: SigningAnswer[]) => {
        for (const answer of answers) this.settle(thread, answer);
      });
      thread.worker.on('error', (error) => this.failAll(thread, error));
      this.threads.push(thread);
    }
  }

  /** Whether signing leaves the calling thread. */
  get threaded(): boolean {
    if (!this.started) this.start();
    return this.threads.length > 0;
  }

  async sign(raw: Buffer, key: DkimSigningKey, now: number): Promise<Buffer> {
    if (!this.threaded) return signMessage(raw, key, now);
    const thread = this.threads.reduce((a, b) => (b.pending < a.pending ? b : a));
    let keyId = this.keyIds.get(key);
    if (keyId === undefined) {
      keyId = this.nextKey++;
      this.keyIds.set(key, keyId);
    }
    if (!thread.keys.has(keyId)) {
      // Sent at once: it must reach the thread before the batch that uses it.
      thread.worker.postMessage({ type: 'key', keyId, domain: key.domain, selector: key.selector, algorithm: key.algorithm, key: key.key } satisfies SigningRequest);
      thread.keys.add(keyId);
    }
    const job = this.nextJob++;
    thread.pending++;
    return new Promise((resolve, reject) => {
      this.jobs.set(job, { resolve, reject, thread });
      // A copy of just these bytes, moved (not cloned) to the thread: a Buffer may be a view of a larger pool.
      const bytes = new Uint8Array(raw);
      thread.batch.push({ job, keyId, raw: bytes, now });
      thread.transfer.push(bytes.buffer);
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    for (const thread of this.threads) {
      if (thread.batch.length === 0) continue;
      const jobs = thread.batch;
      const transfer = thread.transfer;
      thread.batch = [];
      thread.transfer = [];
      thread.worker.postMessage({ type: 'sign', jobs } satisfies SigningRequest, transfer);
    }
  }

  private settle(thread: Thread, answer: SigningAnswer): void {
    const job = this.jobs.get(answer.job);
    if (!job) return;
    this.jobs.delete(answer.job);
    thread.pending--;
    if ('signed' in answer) job.resolve(Buffer.from(answer.signed.buffer, answer.signed.byteOffset, answer.signed.byteLength));
    else job.reject(new Error(`signing failed: ${answer.error}`));
  }

  private failAll(thread: Thread, error: Error): void {
    for (const [id, job] of this.jobs) {
      if (job.thread !== thread) continue;
      this.jobs.delete(id);
      job.reject(new Error(`signing thread stopped: ${error.message}`, { cause: error }));
    }
    const index = this.threads.indexOf(thread);
    if (index >= 0) this.threads.splice(index, 1);
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.splice(0).map((t) => t.worker.terminate()));
  }
}
