/** What the unsubscribe page shows a message's recipient: who wrote, and the lists they are on. */
import type { Store } from '../store/index.js';
import { parseMailbox } from '../spool/index.js';

export interface Subscriptions {
  /** The sender as a reader knows them: the From display name, else the address. */
  sender: string;
  address: string;
  /** Lists the contact is on now. */
  lists: Array<{ id: string; name: string }>;
  /** Already unsubscribed from everything (or never to be sent to again). */
  unsubscribedAll: boolean;
}

/** Null when no such message exists. */
export async function readSubscriptions(store: Store, messageId: string, now: number): Promise<Subscriptions | null> {
  const message = await store.db.selectFrom('messages').select(['id', 'from_header', 'contact_id']).where('id', '=', messageId).executeTakeFirst();
  if (!message) return null;
  const recipient = await store.db.selectFrom('recipients').select('address').where('message_id', '=', message.id).orderBy('id').limit(1).executeTakeFirst();
  const address = (recipient?.address ?? '').trim().toLowerCase();
  const from = parseMailbox(message.from_header);
  const sender = typeof from === 'string' ? message.from_header : from.name || from.address;
  const contact = await store.db
    .selectFrom('contacts')
    .select(['id', 'status'])
    .where((eb) => (message.contact_id ? eb('id', '=', message.contact_id) : eb('email', '=', address)))
    .executeTakeFirst();
  const lists = contact
    ? await store.db.selectFrom('list_members').innerJoin('lists', 'lists.id', 'list_members.list_id').select(['lists.id', 'lists.name']).where('list_members.contact_id', '=', contact.id).orderBy('lists.name').execute()
    : [];
  const global = await store.db
    .selectFrom('suppressions')
    .select('id')
    .where('address', '=', address)
    .where('scope', '=', '')
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .executeTakeFirst();
  return { sender, address, lists, unsubscribedAll: global !== undefined || (contact !== undefined && contact.status !== 'subscribed') };
}
