/**
 * Writes contacts in batches: new addresses are inserted, known ones merged — a non-empty name
 * replaces the old one, custom fields are merged key by key, a time zone replaces the old one
 * only when given, and the status changes only when the input names one (an import never
 * resubscribes someone who unsubscribed). Optionally adds every contact to a list.
 */
import { sql } from 'kysely';
import type { Store } from '../store/index.js';
import { newId } from '../lib/ids.js';
import type { ValidContact } from './contact-input.js';

export interface UpsertResult {
  created: number;
  updated: number;
}

/** Rows per statement: 8 parameters each, well under SQLite's 32,766. */
const CHUNK = 1000;

export async function upsertContacts(store: Store, contacts: ValidContact[], now: number, listId?: string): Promise<UpsertResult> {
  // One row per address: later rows of the batch merge into earlier ones.
  const byEmail = new Map<string, ValidContact>();
  for (const contact of contacts) {
    const seen = byEmail.get(contact.email);
    byEmail.set(
      contact.email,
      seen
        ? { email: seen.email, name: contact.name || seen.name, fields: { ...seen.fields, ...contact.fields }, timeZone: contact.timeZone ?? seen.timeZone, status: contact.status ?? seen.status }
        : contact,
    );
  }
  const unique = [...byEmail.values()];
  const result: UpsertResult = { created: 0, updated: 0 };
  const mergeFields = store.dialect === 'postgres' ? sql<string>`(contacts.fields::jsonb || excluded.fields::jsonb)::text` : sql<string>`json_patch(contacts.fields, excluded.fields)`;

  await store.db.transaction().execute(async (trx) => {
    for (let start = 0; start < unique.length; start += CHUNK) {
      const chunk = unique.slice(start, start + CHUNK);
      const known = await trx.selectFrom('contacts').select('email').where('email', 'in', chunk.map((c) => c.email)).execute();
      result.updated += known.length;
      result.created += chunk.length - known.length;
      // Two statements: rows that name a status set it; the others keep the contact's.
      for (const withStatus of [true, false]) {
        const rows = chunk.filter((c) => (c.status !== undefined) === withStatus);
        if (rows.length === 0) continue;
        const inserted = await trx
          .insertInto('contacts')
          .values(
            rows.map((c) => ({
              id: newId('con', now),
              email: c.email,
              name: c.name,
              fields: JSON.stringify(c.fields),
              time_zone: c.timeZone,
              status: c.status ?? 'subscribed',
              created_at: now,
              updated_at: now,
            })),
          )
          .onConflict((oc) =>
            oc.column('email').doUpdateSet({
              name: sql<string>`case when excluded.name <> '' then excluded.name else contacts.name end`,
              fields: mergeFields,
              time_zone: sql<string | null>`coalesce(excluded.time_zone, contacts.time_zone)`,
              status: withStatus ? sql`excluded.status` : sql`contacts.status`,
              updated_at: sql<number>`excluded.updated_at`,
            }),
          )
          .returning('id')
          .execute();
        if (listId) {
          await trx
            .insertInto('list_members')
            .values(inserted.map((row) => ({ list_id: listId, contact_id: row.id, added_at: now })))
            .onConflict((oc) => oc.columns(['list_id', 'contact_id']).doNothing())
            .execute();
        }
      }
    }
  });
  return result;
}
