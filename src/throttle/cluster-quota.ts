/**
 * Quotas ("no more than 100 a minute, 10,000 a day") held for a server as a whole, however many
 * workers share the database. Each window (the current minute, hour, day) has a row counting the
 * sends workers have reserved in it; a worker reserves a small block at a time in one short
 * transaction and spends it locally, so a busy server costs one statement per block, not per
 * message. A worker never sends more than it reserved, so the cluster never exceeds the quota; a
 * worker that stops with part of a block unspent leaves that much of the window unused.
 *
 * Windows are aligned to the clock (09:00:00–09:00:59 …): a burst at the end of one minute and the
 * start of the next can reach twice the per-minute figure within 60 seconds, as with most
 * providers' own counters.
 */
import type { Store } from '../store/index.js';
import type { QuotaDecision, QuotaLimit } from './quota.js';

interface Held {
  windowStart: number;
  left: number;
}

export class ClusterQuota {
  private readonly held = new Map<string, Held>();

  constructor(
    private readonly store: Store,
    /** The server's id, or `SERVER_ID/DESTINATION` for a destination of direct delivery. */
    private readonly key: string,
    private readonly limits: readonly QuotaLimit[],
  ) {}

  /** Takes `count` sends (one per recipient) if every quota allows them now; else says when the window that is full ends. */
  async take(now: number, count = 1): Promise<QuotaDecision> {
    for (const limit of this.limits) {
      const windowStart = Math.floor(now / limit.windowMs) * limit.windowMs;
      let held = this.held.get(limit.name);
      if (!held || held.windowStart !== windowStart) {
        held = { windowStart, left: 0 };
        this.held.set(limit.name, held);
      }
      // A message with more recipients than a quota goes alone into an empty window.
      const need = Math.min(count, limit.limit);
      if (held.left < need) {
        // Not `held.left += await …`: that reads `left` before the await, and sends reserved by
        // takes running meanwhile would be lost.
        const got = await this.reserve(limit, windowStart, Math.max(need - held.left, blockOf(limit.limit)));
        held.left += got;
      }
      if (held.left < need) return { ok: false, until: windowStart + limit.windowMs, reason: `quota of ${limit.limit} per ${limit.name} reached` };
    }
    for (const limit of this.limits) this.held.get(limit.name)!.left -= Math.min(count, limit.limit);
    return { ok: true };
  }

  /** Reserves up to `wanted` sends of the window; returns how many it got. */
  private async reserve(limit: QuotaLimit, windowStart: number, wanted: number): Promise<number> {
    const key = `${this.key}:${limit.name}`;
    return this.store.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('rate_windows')
        .values({ key, window_start: windowStart, used: 0 })
        .onConflict((oc) => oc.columns(['key', 'window_start']).doNothing())
        .execute();
      // FOR UPDATE on PostgreSQL; SQLite's transactions already run one at a time (BEGIN IMMEDIATE).
      let select = trx.selectFrom('rate_windows').select('used').where('key', '=', key).where('window_start', '=', windowStart);
      if (this.store.dialect === 'postgres') select = select.forUpdate();
      const row = await select.executeTakeFirstOrThrow();
      const granted = Math.max(0, Math.min(wanted, limit.limit - row.used));
      if (granted > 0) await trx.updateTable('rate_windows').set({ used: row.used + granted }).where('key', '=', key).where('window_start', '=', windowStart).execute();
      // Windows that have ended are of no more use.
      await trx.deleteFrom('rate_windows').where('key', '=', key).where('window_start', '<', windowStart).execute();
      return granted;
    });
  }
}

/** Sends reserved at once: a twentieth of the quota, at most 50, so workers seldom strand much. */
function blockOf(limit: number): number {
  return Math.max(1, Math.min(50, Math.floor(limit / 20)));
}
