import type { Store, ContactRow, ContactStatus } from '../store/index.js';

export interface ContactView {
  id: string;
  email: string;
  name: string;
  fields: Record<string, unknown>;
  timeZone: string | null;
  status: ContactStatus;
  createdAt: string;
  updatedAt: string;
}

export const contactView = (row: ContactRow): ContactView => ({
  id: row.id,
  email: row.email,
  name: row.name,
  fields: JSON.parse(row.fields) as Record<string, unknown>,
  timeZone: row.time_zone,
  status: row.status,
  createdAt: new Date(Number(row.created_at)).toISOString(),
  updatedAt: new Date(Number(row.updated_at)).toISOString(),
});

export interface ContactQuery {
  listId?: string | undefined;
  status?: ContactStatus | undefined;
  limit?: number;
  /** Contacts after this id. */
  after?: string | undefined;
}

export async function listContacts(store: Store, options: ContactQuery = {}): Promise<ContactRow[]> {
  let query = store.db.selectFrom('contacts').selectAll('contacts').orderBy('contacts.id').limit(options.limit ?? 50);
  if (options.after) query = query.where('contacts.id', '>', options.after);
  if (options.status) query = query.where('contacts.status', '=', options.status);
  if (options.listId) {
    const listId = options.listId;
    query = query.where(({ exists, selectFrom }) =>
      exists(selectFrom('list_members').select('list_members.contact_id').whereRef('list_members.contact_id', '=', 'contacts.id').where('list_members.list_id', '=', listId)),
    );
  }
  return query.execute();
}

export async function countContacts(store: Store): Promise<Record<ContactStatus, number>> {
  const rows = await store.db.selectFrom('contacts').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('status').execute();
  const counts: Record<ContactStatus, number> = { subscribed: 0, unsubscribed: 0, bounced: 0, complained: 0 };
  for (const row of rows) counts[row.status] = Number(row.n);
  return counts;
}
