/** Lists: named sets of contacts. A contact can be on many. */
import { sql } from 'kysely';
import type { Store, ListRow } from '../store/index.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { InputError } from '../lib/input-error.js';

export interface ContactList {
  id: string;
  name: string;
  description: string;
  createdAt: number;
}

const view = (row: ListRow): ContactList => ({ id: row.id, name: row.name, description: row.description, createdAt: Number(row.created_at) });

export async function createList(store: Store, clock: Clock, input: { name: string; description?: string }): Promise<ContactList> {
  const name = input.name.trim();
  if (!name) throw new InputError('name', 'is required');
  if (name.length > 100 || /[\r\n]/.test(name)) throw new InputError('name', 'must be one line of at most 100 characters');
  const clash = await store.db.selectFrom('lists').select('id').where('name', '=', name).executeTakeFirst();
  if (clash) throw new InputError('name', `a list named "${name}" already exists`);
  const now = clock.now();
  const row: ListRow = { id: newId('lst', now), name, description: (input.description ?? '').trim(), created_at: now, updated_at: now };
  await store.db.insertInto('lists').values(row).execute();
  return view(row);
}

/** The list with this id or name; `field` names the input in the error when there is none. */
export async function findList(store: Store, idOrName: string, field = 'list'): Promise<ContactList> {
  const row = await store.db.selectFrom('lists').selectAll().where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)])).executeTakeFirst();
  if (!row) throw new InputError(field, `no list "${idOrName}"`);
  return view(row);
}

/** The list with this name, made when there is none yet (`contacts import --list NAME`). */
export async function ensureList(store: Store, clock: Clock, name: string): Promise<ContactList> {
  return findList(store, name).catch((error: unknown) => {
    if (error instanceof InputError) return createList(store, clock, { name });
    throw error;
  });
}

export async function listLists(store: Store): Promise<Array<ContactList & { members: number }>> {
  const rows = await store.db
    .selectFrom('lists')
    .selectAll('lists')
    .select(sql<number>`(select count(*) from list_members where list_members.list_id = lists.id)`.as('members'))
    .orderBy('name')
    .execute();
  return rows.map((row) => ({ ...view(row), members: Number(row.members) }));
}
