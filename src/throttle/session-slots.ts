/**
 * "No more than N at a time" across the whole cluster. Before a worker opens a session to a
 * server it takes one of that server's N slots in the database; it gives the slot back once the
 * session's socket has closed, and renews the slots it holds so a dead worker's slots free
 * themselves when their lease ends. A session lives for many messages, so this costs one
 * statement per session, not per message.
 */
import { sql, type ExpressionBuilder } from 'kysely';
import type { Store, Database } from '../store/index.js';
import type { Clock } from '../lib/clock.js';

export interface SessionSlots {
  /** Takes a free slot of `serverId` (of `size`), or returns null when all are held. */
  take(serverId: string, size: number): Promise<number | null>;
  give(serverId: string, slot: number): Promise<void>;
  /** Extends the lease of every slot this worker holds. */
  renew(): Promise<void>;
  /** Gives back every slot this worker holds. */
  giveAll(): Promise<void>;
}

export function createSessionSlots(store: Store, clock: Clock, owner: string, leaseMs: number): SessionSlots {
  const held = new Map<string, { serverId: string; slot: number }>();
  const prepared = new Map<string, number>();

  async function prepare(serverId: string, size: number): Promise<void> {
    if ((prepared.get(serverId) ?? 0) >= size) return;
    const rows = Array.from({ length: size }, (_, slot) => ({ server_id: serverId, slot, owner: null, expires_at: 0 }));
    await store.db.insertInto('server_slots').values(rows).onConflict((oc) => oc.columns(['server_id', 'slot']).doNothing()).execute();
    prepared.set(serverId, size);
  }

  return {
    async take(serverId, size) {
      await prepare(serverId, size);
      const now = clock.now();
      // The guard is repeated outside the subquery: under PostgreSQL's READ COMMITTED a second
      // worker racing for the same slot re-checks it against the winner's row and takes nothing.
      const free = (eb: ExpressionBuilder<Database, 'server_slots'>) =>
        eb.or([eb('owner', 'is', null), eb('expires_at', '<', now)]);
      const row = await store.db
        .updateTable('server_slots')
        .set({ owner, expires_at: now + leaseMs })
        .where('server_id', '=', serverId)
        .where(free)
        .where(
          'slot',
          '=',
          store.db
            .selectFrom('server_slots')
            .select('slot')
            .where('server_id', '=', serverId)
            .where('slot', '<', size)
            .where(free)
            .orderBy('slot')
            .limit(1),
        )
        .returning('slot')
        .executeTakeFirst();
      if (!row) return null;
      held.set(`${serverId}:${row.slot}`, { serverId, slot: row.slot });
      return row.slot;
    },
    async give(serverId, slot) {
      held.delete(`${serverId}:${slot}`);
      await store.db
        .updateTable('server_slots')
        .set({ owner: null, expires_at: 0 })
        .where('server_id', '=', serverId)
        .where('slot', '=', slot)
        .where('owner', '=', owner)
        .execute();
    },
    async renew() {
      // Only the slots we hold: one we failed to give back is left to expire.
      const byServer = new Map<string, number[]>();
      for (const { serverId, slot } of held.values()) byServer.set(serverId, [...(byServer.get(serverId) ?? []), slot]);
      for (const [serverId, slots] of byServer) {
        await store.db
          .updateTable('server_slots')
          .set({ expires_at: clock.now() + leaseMs })
          .where('owner', '=', owner)
          .where('server_id', '=', serverId)
          .where('slot', 'in', slots)
          .execute();
      }
    },
    async giveAll() {
      held.clear();
      await store.db.updateTable('server_slots').set({ owner: null, expires_at: sql`0` }).where('owner', '=', owner).execute();
    },
  };
}
