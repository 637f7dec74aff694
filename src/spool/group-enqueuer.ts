/**
 * Group commit for enqueues that arrive at the same time (API requests, relay sessions): while one
 * transaction commits, the next requests gather, and all of them are written in the following
 * transaction — one fsync for many messages, and still no answer before its message is committed.
 * If a shared transaction fails, each of its requests is written again on its own, so one bad
 * request cannot fail the others.
 */
import { prepareMessages, writePrepared, type EnqueueContext, type EnqueueOptions, type PreparedMessages } from './enqueue-message.js';

interface Pending {
  prepared: PreparedMessages;
  resolve: (ids: string[]) => void;
  reject: (error: unknown) => void;
}

export interface GroupEnqueuer {
  enqueue(input: unknown, options?: EnqueueOptions): Promise<string>;
  /** Resolves once every enqueue begun so far has finished (before the database closes). */
  drain(): Promise<void>;
}

export function createGroupEnqueuer(ctx: EnqueueContext, maxGroup = 256): GroupEnqueuer {
  let pending: Pending[] = [];
  let writing = false;
  let busy = 0;
  let drained: Array<() => void> = [];

  async function writeGroups(): Promise<void> {
    writing = true;
    try {
      while (pending.length > 0) {
        const group = pending.slice(0, maxGroup);
        pending = pending.slice(group.length);
        try {
          const ids = await ctx.store.db.transaction().execute(async (trx) => {
            // Requests with an idempotency key are written one by one (each checks its key);
            // the rest are merged into one set of multi-row inserts.
            const out = new Map<Pending, string[]>();
            const plain = group.filter((p) => p.prepared.options.idempotencyKey === undefined);
            for (const p of group) if (!plain.includes(p)) out.set(p, await writePrepared(trx, p.prepared));
            if (plain.length > 0) {
              const merged: PreparedMessages = { rows: plain.flatMap((p) => p.prepared.rows), options: {}, now: ctx.clock.now() };
              const written = await writePrepared(trx, merged);
              let at = 0;
              for (const p of plain) {
                out.set(p, written.slice(at, at + p.prepared.rows.length));
                at += p.prepared.rows.length;
              }
            }
            return group.map((p) => out.get(p)!);
          });
          group.forEach((p, i) => p.resolve(ids[i]!));
        } catch {
          for (const p of group) {
            await ctx.store.db
              .transaction()
              .execute((trx) => writePrepared(trx, p.prepared))
              .then(p.resolve, p.reject);
          }
        }
      }
    } finally {
      writing = false;
    }
  }

  return {
    async enqueue(input, options = {}) {
      busy += 1;
      try {
        const prepared = await prepareMessages(ctx, [input], options);
        const ids = await new Promise<string[]>((resolve, reject) => {
          pending.push({ prepared, resolve, reject });
          if (!writing) void writeGroups();
        });
        return ids[0]!;
      } finally {
        busy -= 1;
        if (busy === 0) {
          for (const resolve of drained) resolve();
          drained = [];
        }
      }
    },
    drain() {
      return busy === 0 ? Promise.resolve() : new Promise((resolve) => drained.push(resolve));
    },
  };
}
