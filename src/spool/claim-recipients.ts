import { sql } from 'kysely';
import type { Store, RecipientRow } from '../store/index.js';

export interface ClaimOptions {
  owner: string;
  limit: number;
  now: number;
  leaseMs: number;
}

/**
 * Claims due recipients with a lease, in one guarded statement: queued or deferred rows whose
 * time has come, and `sending` rows whose lease ended (their worker died). PostgreSQL skips rows
 * another worker is claiming at this moment; SQLite serialises writers, so the statement alone
 * is atomic. While claimed, `next_attempt_at` holds the lease's end. Transactional mail
 * (priority 0) is claimed before campaign mail (priority 1), so a campaign never starves it.
 */
export async function claimRecipients(store: Store, options: ClaimOptions): Promise<RecipientRow[]> {
  const { owner, limit, now, leaseMs } = options;
  return store.db.transaction().execute(async (trx) => {
    // Transactional rows (priority 0) first; campaign rows (1) fill what room is left.
    const claimed: RecipientRow[] = [];
    for (const priority of [0, 1]) {
      if (claimed.length >= limit) break;
      // The status list is written literally so SQLite can prove the partial index `recipients_due_priority` applies.
      let due = trx
        .selectFrom('recipients')
        .select('id')
        .where('priority', '=', priority)
        .where(sql<boolean>`status in ('queued', 'deferred', 'sending')`)
        .where('next_attempt_at', '<=', now)
        .orderBy('next_attempt_at')
        .limit(limit - claimed.length);
      if (store.dialect === 'postgres') due = due.forUpdate().skipLocked();
      claimed.push(
        ...(await trx
          .updateTable('recipients')
          .set({ status: 'sending', lease_owner: owner, next_attempt_at: now + leaseMs, updated_at: now })
          .where('id', 'in', due)
          .returningAll()
          .execute()),
      );
    }
    const messageIds = [...new Set(claimed.map((r) => r.message_id))];
    for (let i = 0; i < messageIds.length; i += 500) {
      await trx
        .updateTable('messages')
        .set({ status: 'sending', updated_at: now })
        .where('id', 'in', messageIds.slice(i, i + 500))
        .execute();
    }
    return claimed;
  });
}

/**
 * Extends the lease of rows still being worked on, so a slow server does not let them be taken
 * over. Rows locked right now (their outcome is being recorded) are skipped rather than waited
 * for: waiting would lock rows in a different order than recording does, and deadlock.
 */
export async function renewLeases(store: Store, owner: string, ids: string[], until: number): Promise<void> {
  for (let i = 0; i < ids.length; i += 500) {
    let mine = store.db
      .selectFrom('recipients')
      .select('id')
      .where('id', 'in', ids.slice(i, i + 500))
      .where('lease_owner', '=', owner)
      .where('status', '=', 'sending');
    if (store.dialect === 'postgres') mine = mine.forUpdate().skipLocked();
    await store.db.updateTable('recipients').set({ next_attempt_at: until }).where('id', 'in', mine).execute();
  }
}
