/**
 * Putting addresses on the suppression list, inside the caller's transaction (the bounce,
 * complaint or unsubscribe that caused it is written in the same one).
 *
 * One entry per address and scope. A new entry replaces an older one unless the older is
 * stronger: an entry without an end beats one with an end (a hard bounce after a soft-bounce
 * entry makes it permanent; a soft bounce never shortens a complaint's entry).
 *
 * The contact follows: a hard bounce makes it `bounced`, a complaint `complained`, an
 * unsubscribe from everything `unsubscribed` — campaigns send only to `subscribed` contacts. A
 * complaint is never overwritten by a later bounce or unsubscribe.
 */
import type { Kysely, Transaction } from 'kysely';
import type { ContactStatus, Database, SuppressionReason } from '../store/index.js';
import { newId } from '../lib/ids.js';

export interface SuppressionEntry {
  address: string;
  /** '' (default): every message; a list id: campaigns to that list. */
  scope?: string;
  reason: SuppressionReason;
  detail?: string | null;
  messageId?: string | null;
  expiresAt?: number | null;
}

type Db = Kysely<Database> | Transaction<Database>;

const CONTACT_STATUS: Partial<Record<SuppressionReason, ContactStatus>> = {
  'hard-bounce': 'bounced',
  complaint: 'complained',
  unsubscribe: 'unsubscribed',
};

export async function suppressAddresses(db: Db, entries: SuppressionEntry[], now: number): Promise<number> {
  let written = 0;
  for (const entry of entries) {
    const address = entry.address.trim().toLowerCase();
    const scope = entry.scope ?? '';
    const expiresAt = entry.expiresAt ?? null;
    const existing = await db.selectFrom('suppressions').selectAll().where('address', '=', address).where('scope', '=', scope).executeTakeFirst();
    const live = existing && (existing.expires_at === null || existing.expires_at > now);
    if (live && existing.expires_at === null && expiresAt !== null) continue;
    const values = { reason: entry.reason, detail: entry.detail ?? null, message_id: entry.messageId ?? null, created_at: now, expires_at: expiresAt };
    if (existing) await db.updateTable('suppressions').set(values).where('id', '=', existing.id).execute();
    else await db.insertInto('suppressions').values({ id: newId('sup', now), address, scope, ...values }).execute();
    written += 1;
    const status = scope === '' ? CONTACT_STATUS[entry.reason] : undefined;
    if (status) {
      let update = db.updateTable('contacts').set({ status, updated_at: now }).where('email', '=', address);
      if (status !== 'complained') update = update.where('status', '!=', 'complained');
      await update.execute();
    }
  }
  return written;
}
