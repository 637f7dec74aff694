/**
 * Building messages on threads. The delivery worker's main thread claims from the spool, runs
 * the SMTP sessions and records outcomes; rendering campaign messages (Liquid, tracking links,
 * MIME) and DKIM signatures (about 0.3 ms each for RSA-2048) are work another core can do
 * meanwhile. So on a machine with more than one core both happen on build threads
 * (build-thread.ts): a claimed batch is rendered there in one job, and signatures asked for in
 * one turn of the event loop leave in one message — one postMessage per message would cost
 * nearly as much as an Ed25519 signature.
 *
 * The thread's code is the compiled `build-thread.js` beside this file; where it is not there
 * (running from TypeScript sources in tests) everything happens inline, with the same result.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { signMessage, type DkimSigningKey } from '../domains/dkim-sign.js';
import { createBatchRenderer, type RenderBatch, type RenderedBatch } from '../campaigns/render-batch.js';
import type { BuildAnswer, BuildRequest, BuildThreadData, SigningJob } from './build-thread.js';

interface Thread {
  worker: Worker;
  pending: number;
  keys: Set<number>;
  /** Signing jobs waiting for the end of this turn to be sent. */
  batch: SigningJob[];
  transfer: ArrayBuffer[];
}

interface Job<T> {
  resolve: (value: T) => void;
  reject: (error: Error) => void;
  thread: Thread;
  /** What it added to the thread's pending count. */
  weight: number;
}

export interface BuildPoolOptions {
  /** Threads (default: one fewer than the cores, at most 4; none on one core), started at first use. */
  size?: number;
  /** Signs campaign messages' tracking and unsubscribe links. */
  trackingKey: Buffer | null;
}

export class BuildPool {
  private readonly threads: Thread[] = [];
  private readonly signing = new Map<number, Job<Buffer>>();
  private readonly rendering = new Map<number, Job<RenderedBatch>>();
  private readonly keyIds = new WeakMap<DkimSigningKey, number>();
  private readonly size: number;
  private readonly trackingKey: Buffer | null;
  private inlineRender: ((batch: RenderBatch) => RenderedBatch) | null = null;
  private nextJob = 1;
  private nextKey = 1;
  private started = false;
  private flushScheduled = false;

  constructor(options: BuildPoolOptions) {
    this.size = options.size ?? Math.min(4, availableParallelism() - 1);
    this.trackingKey = options.trackingKey;
  }

  private start(): void {
    this.started = true;
    const file = fileURLToPath(new URL('./build-thread.js', import.meta.url));
    if (this.size < 1 || !existsSync(file)) return;
    const workerData: BuildThreadData = { trackingKey: this.trackingKey ? new Uint8Array(this.trackingKey) : null };
    for (let i = 0; i < this.size; i++) {
      const thread: Thread = { worker: new Worker(file, { workerData }), pending: 0, keys: new Set(), batch: [], transfer: [] };
      thread.worker.unref();
      thread.worker.on('message', (answer: BuildAnswer) => this.settle(thread, answer));
      thread.worker.on('error', (error) => this.failAll(thread, error));
      this.threads.push(thread);
    }
  }

  /** Whether building leaves the calling thread. */
  get threaded(): boolean {
    if (!this.started) this.start();
    return this.threads.length > 0;
  }

  private leastBusy(): Thread {
    return this.threads.reduce((a, b) => (b.pending < a.pending ? b : a));
  }

  /** The batch's campaign messages, rendered. */
  async render(batch: RenderBatch): Promise<RenderedBatch> {
    if (!this.threaded) {
      this.inlineRender ??= createBatchRenderer(this.trackingKey);
      return this.inlineRender(batch);
    }
    const thread = this.leastBusy();
    const job = this.nextJob++;
    thread.pending += batch.messages.length;
    return new Promise((resolve, reject) => {
      this.rendering.set(job, { resolve, reject, thread, weight: batch.messages.length });
      thread.worker.postMessage({ type: 'render', job, batch } satisfies BuildRequest);
    });
  }

  /** The message with a DKIM-Signature in front. */
  async sign(raw: Buffer, key: DkimSigningKey, now: number): Promise<Buffer> {
    if (!this.threaded) return signMessage(raw, key, now);
    const thread = this.leastBusy();
    let keyId = this.keyIds.get(key);
    if (keyId === undefined) {
      keyId = this.nextKey++;
      this.keyIds.set(key, keyId);
    }
    if (!thread.keys.has(keyId)) {
      // Sent at once: it must reach the thread before the batch that uses it.
      thread.worker.postMessage({ type: 'key', keyId, domain: key.domain, selector: key.selector, algorithm: key.algorithm, key: key.key } satisfies BuildRequest);
      thread.keys.add(keyId);
    }
    const job = this.nextJob++;
    thread.pending++;
    return new Promise((resolve, reject) => {
      this.signing.set(job, { resolve, reject, thread, weight: 1 });
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
      thread.worker.postMessage({ type: 'sign', jobs } satisfies BuildRequest, transfer);
    }
  }

  private settle(thread: Thread, answer: BuildAnswer): void {
    if (answer.type === 'signed') {
      for (const a of answer.answers) {
        const job = this.signing.get(a.job);
        if (!job) continue;
        this.signing.delete(a.job);
        thread.pending--;
        if ('signed' in a) job.resolve(Buffer.from(a.signed.buffer, a.signed.byteOffset, a.signed.byteLength));
        else job.reject(new Error(`signing failed: ${a.error}`));
      }
      return;
    }
    const job = this.rendering.get(answer.job);
    if (!job) return;
    this.rendering.delete(answer.job);
    thread.pending -= job.weight;
    if (answer.type === 'render-failed') {
      job.reject(new Error(`rendering failed: ${answer.error}`));
      return;
    }
    job.resolve(answer.rendered.map(([id, raw]) => [id, Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength)]));
  }

  private failAll(thread: Thread, error: Error): void {
    for (const jobs of [this.signing, this.rendering] as Array<Map<number, Job<unknown>>>) {
      for (const [id, job] of jobs) {
        if (job.thread !== thread) continue;
        jobs.delete(id);
        job.reject(new Error(`build thread stopped: ${error.message}`, { cause: error }));
      }
    }
    const index = this.threads.indexOf(thread);
    if (index >= 0) this.threads.splice(index, 1);
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.splice(0).map((t) => t.worker.terminate()));
  }
}
