import type { Store, MessageRow, RecipientRow, EventRow, MessageStatus } from '../store/index.js';
import { InputError } from '../lib/input-error.js';

export interface MessageDetail {
  message: MessageRow & { server_name: string | null };
  recipients: RecipientRow[];
  events: Array<EventRow & { server_name: string | null }>;
}

export async function getMessage(store: Store, id: string): Promise<MessageDetail> {
  const message = await store.db
    .selectFrom('messages')
    .leftJoin('servers', 'servers.id', 'messages.server_id')
    .selectAll('messages')
    .select('servers.name as server_name')
    .where('messages.id', '=', id)
    .executeTakeFirst();
  if (!message) throw new InputError('id', `no message with id "${id}"`);
  const [recipients, events] = await Promise.all([
    store.db.selectFrom('recipients').selectAll().where('message_id', '=', id).orderBy('id').execute(),
    store.db
      .selectFrom('events')
      .leftJoin('servers', 'servers.id', 'events.server_id')
      .selectAll('events')
      .select('servers.name as server_name')
      .where('events.message_id', '=', id)
      .orderBy('events.id')
      .execute(),
  ]);
  return { message, recipients, events };
}

export async function getRawMessage(store: Store, id: string): Promise<Buffer> {
  const row = await store.db.selectFrom('message_contents').select('raw').where('message_id', '=', id).executeTakeFirst();
  if (!row) throw new InputError('id', `no message with id "${id}"`);
  return Buffer.from(row.raw);
}

export interface ListOptions {
  status?: MessageStatus | undefined;
  limit?: number;
  /** Return messages older than this id (ids sort by creation time). */
  before?: string | undefined;
}

export async function listMessages(store: Store, options: ListOptions = {}): Promise<Array<MessageRow & { server_name: string | null }>> {
  let query = store.db
    .selectFrom('messages')
    .leftJoin('servers', 'servers.id', 'messages.server_id')
    .selectAll('messages')
    .select('servers.name as server_name')
    .orderBy('messages.id', 'desc')
    .limit(options.limit ?? 50);
  if (options.status) query = query.where('messages.status', '=', options.status);
  if (options.before) query = query.where('messages.id', '<', options.before);
  return query.execute();
}

export async function countMessagesByStatus(store: Store): Promise<Record<string, number>> {
  const rows = await store.db
    .selectFrom('messages')
    .select(['status', (eb) => eb.fn.countAll<number>().as('count')])
    .groupBy('status')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.count)]));
}
