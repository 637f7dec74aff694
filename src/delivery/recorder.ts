/**
 * Outcomes are written in batches: many attempts' transitions share one transaction (and one
 * fsync on SQLite). A batch is written when it is full or 25 ms after its first outcome: sessions
 * are already free by then, so the wait costs nothing but the moment a recipient counts as done. An attempt counts as finished only once its outcome is committed.
 */
import type { Store } from '../store/index.js';
import type { Clock } from '../lib/clock.js';
import { recordOutcomes, type AfterOutcomes, type OutcomeRecord } from '../spool/index.js';

interface Pending {
  records: OutcomeRecord[];
  /** With the records that were ours (a row another worker took over is left out). */
  resolve: (applied: OutcomeRecord[]) => void;
  reject: (error: unknown) => void;
}

export class Recorder {
  private pending: Pending[] = [];
  private size = 0;
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly owner: string,
    /** Runs in each batch's transaction (bounces and suppressions that follow from the outcomes). */
    private readonly after?: AfterOutcomes,
    private readonly batchSize = 256,
    private readonly delayMs = 25,
  ) {}

  record(records: OutcomeRecord[]): Promise<OutcomeRecord[]> {
    return new Promise((resolve, reject) => {
      this.pending.push({ records, resolve, reject });
      this.size += records.length;
      if (this.size >= this.batchSize) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.delayMs);
    });
  }

  /** Writes what is pending now; resolves when everything handed in so far is committed. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.pending;
    this.pending = [];
    this.size = 0;
    if (batch.length > 0) {
      this.writing = this.writing.then(async () => {
        const records = batch.flatMap((p) => p.records);
        for (let tries = 1; ; tries++) {
          try {
            let mine = new Set<string>();
            await recordOutcomes(this.store, this.owner, records, this.clock.now(), async (trx, applied, now) => {
              mine = new Set(applied.map((r) => r.recipientId));
              await this.after?.(trx, applied, now);
            });
            for (const p of batch) p.resolve(p.records.filter((r) => mine.has(r.recipientId)));
            return;
          } catch (error) {
            // A deadlock or serialisation failure rolled the batch back: write it again. Anything
            // else leaves the rows leased, to be attempted again when the lease ends.
            if (tries < 5 && isRetryable(error)) {
              await new Promise((r) => setTimeout(r, 10 * tries));
              continue;
            }
            for (const p of batch) p.reject(error);
            return;
          }
        }
      });
    }
    return this.writing;
  }
}

function isRetryable(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === '40P01' || code === '40001' || code === 'SQLITE_BUSY';
}
