/**
 * Group commit for enqueues that arrive at the same time (API requests, relay sessions): while one
 * transaction commits, the next requests gather, and all of them are written in the following
 * transaction — one fsync for many messages, and still no answer before its message is committed.
 * With a SQLite writer thread the commit's wait for the disk happens off the main thread.
 * If a shared transaction fails, each of its requests is written again on its own, so one bad
 * request cannot fail the others.
 */
import type { SqliteWriter } from '../store/index.js';
import { messageInserts, prepareMessages, writePrepared, type EnqueueContext, type EnqueueOptions } from './enqueue-message.js';
import type { PreparedMessages } from './enqueue-message.js';

interface Pending {
  prepared: PreparedMessages;
  resolve: (ids: string[]) => void;
  reject: (error: unknown) => void;
}

export interface GroupEnqueuer {
  enqueue(input: unknown, options?: EnqueueOptions): Promise<string>;
  /** Writes messages already prepared (the relay's, built from raw MIME); resolves with their ids once committed. */
  enqueuePrepared(prepared: PreparedMessages): Promise<string[]>;
  /** Resolves once every enqueue begun so far has finished (before the database closes). */
  drain(): Promise<void>;
}

export function createGroupEnqueuer(ctx: EnqueueContext, options: { maxGroup?: number; writer?: SqliteWriter } = {}): GroupEnqueuer {
  const maxGroup = options.maxGroup ?? 256;
  let pending: Pending[] = [];
  let writing = false;
  let busy = 0;
  let drained: Array<() => void> = [];

  /** Requests without an idempotency key, merged into one set of multi-row inserts. */
  async function writePlain(group: Pending[]): Promise<void> {
    const rows = group.flatMap((p) => p.prepared.rows);
    const queries = messageInserts(ctx.store.db, rows, ctx.clock.now());
    if (options.writer) await options.writer.run(queries);
    else await ctx.store.db.transaction().execute(async (trx) => {
      for (const query of queries) await trx.executeQuery(query);
    });
    for (const p of group) p.resolve(p.prepared.rows.map((r) => r.id));
  }

  /** Requests with an idempotency key, each checking its key inside the shared transaction. */
  async function writeKeyed(group: Pending[]): Promise<void> {
    const ids = await ctx.store.db.transaction().execute(async (trx) => {
      const out: string[][] = [];
      for (const p of group) out.push(await writePrepared(trx, p.prepared));
      return out;
    });
    group.forEach((p, i) => p.resolve(ids[i]!));
  }

  async function writeGroups(): Promise<void> {
    writing = true;
    try {
      while (pending.length > 0) {
        const group = pending.slice(0, maxGroup);
        pending = pending.slice(group.length);
        const keyed = group.filter((p) => p.prepared.options.idempotencyKey !== undefined);
        const plain = group.filter((p) => p.prepared.options.idempotencyKey === undefined);
        try {
          if (keyed.length > 0) await writeKeyed(keyed);
          if (plain.length > 0) await writePlain(plain);
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

  async function submit(prepare: () => Promise<PreparedMessages>): Promise<string[]> {
    busy += 1;
    try {
      const prepared = await prepare();
      return await new Promise<string[]>((resolve, reject) => {
        pending.push({ prepared, resolve, reject });
        if (!writing) void writeGroups();
      });
    } finally {
      busy -= 1;
      if (busy === 0) {
        for (const resolve of drained) resolve();
        drained = [];
      }
    }
  }

  return {
    async enqueue(input, enqueueOptions = {}) {
      const ids = await submit(() => prepareMessages(ctx, [input], enqueueOptions));
      return ids[0]!;
    },
    enqueuePrepared(prepared) {
      return submit(async () => prepared);
    },
    drain() {
      return busy === 0 ? Promise.resolve() : new Promise((resolve) => drained.push(resolve));
    },
  };
}
