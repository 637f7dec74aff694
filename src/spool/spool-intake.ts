/**
 * The one way into the spool for a process that accepts mail from outside (the HTTP API and the
 * SMTP relay in `postroom serve`): a group enqueuer and, on SQLite, the writer thread it commits
 * through. Shared by both listeners, so their messages commit in the same groups and one thread
 * waits for the disk.
 */
import type { Clock } from '../lib/clock.js';
import { createSqliteWriter, type Store } from '../store/index.js';
import type { MessageTracker } from './enqueue-message.js';
import { createGroupEnqueuer, type GroupEnqueuer } from './group-enqueuer.js';

export interface SpoolIntake {
  enqueuer: GroupEnqueuer;
  /** The tracking it was opened with, for listeners that track raw MIME themselves (the relay). */
  tracker?: MessageTracker;
  /** Waits for every enqueue begun so far, then stops the writer thread. */
  close(): Promise<void>;
}

export interface SpoolIntakeContext {
  store: Store;
  clock: Clock;
  config: { retry: { lifetimeMs: number } };
  /** Rewrites HTML for open and click tracking when a message asks for it. */
  tracker?: MessageTracker;
}

export function openSpoolIntake(ctx: SpoolIntakeContext): SpoolIntake {
  const writer = ctx.store.dialect === 'sqlite' && ctx.store.file ? createSqliteWriter(ctx.store.file) : undefined;
  const enqueuer = createGroupEnqueuer({ store: ctx.store, clock: ctx.clock, lifetimeMs: ctx.config.retry.lifetimeMs, tracker: ctx.tracker }, { writer });
  let closed: Promise<void> | undefined;
  return {
    enqueuer,
    tracker: ctx.tracker,
    close() {
      closed ??= (async () => {
        await enqueuer.drain();
        await writer?.close();
      })();
      return closed;
    },
  };
}
