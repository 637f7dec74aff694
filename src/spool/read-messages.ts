import { sql } from 'kysely';
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
  if (!row) {
    const pruned = await store.db.selectFrom('messages').select('pruned_at').where('id', '=', id).executeTakeFirst();
    if (pruned?.pruned_at) throw new InputError('id', `the content of message "${id}" was pruned on ${new Date(pruned.pruned_at).toISOString()}`);
    throw new InputError('id', `no message with id "${id}"`);
  }
  return Buffer.from(row.raw);
}

export interface ListOptions {
  status?: MessageStatus | undefined;
  limit?: number;
  /** Return messages older than this id (ids sort by creation time). */
  before?: string | undefined;
  /** Only messages this user sent. */
  userId?: string | undefined;
  serverId?: string | undefined;
  /** Messages with this envelope recipient (case-insensitive). */
  recipient?: string | undefined;
  tag?: string | undefined;
  since?: number | undefined;
  until?: number | undefined;
  /** Text searched in the subject (case-insensitive). */
  subject?: string | undefined;
  /** Text searched in the subject and the recipients' addresses (case-insensitive). */
  text?: string | undefined;
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
  if (options.userId) query = query.where('messages.user_id', '=', options.userId);
  if (options.serverId) query = query.where('messages.server_id', '=', options.serverId);
  if (options.since !== undefined) query = query.where('messages.created_at', '>=', options.since);
  if (options.until !== undefined) query = query.where('messages.created_at', '<', options.until);
  if (options.recipient) {
    const address = options.recipient.toLowerCase();
    query = query.where(({ exists, selectFrom }) =>
      exists(selectFrom('recipients').select('recipients.id').whereRef('recipients.message_id', '=', 'messages.id').where(sql`lower(recipients.address)`, '=', address)),
    );
  }
  // Tags are stored as a JSON array: a tag matches as its JSON string, quotes included, case and all.
  if (options.tag) {
    const needle = JSON.stringify(options.tag);
    query = query.where(store.dialect === 'postgres' ? sql<boolean>`position(${needle} in messages.tags) > 0` : sql<boolean>`instr(messages.tags, ${needle}) > 0`);
  }
  if (options.subject) {
    const pattern = `%${likeEscape(options.subject)}%`;
    // SQLite's LIKE and lower() fold ASCII only; `casefold` (registered in open-store.ts) folds all of Unicode.
    query =
      store.dialect === 'postgres'
        ? query.where(sql<boolean>`messages.subject ilike ${pattern} escape '!'`)
        : query.where(sql<boolean>`casefold(messages.subject) like casefold(${pattern}) escape '!'`);
  }
  if (options.text) {
    const pattern = `%${likeEscape(options.text)}%`;
    const contains = (column: string) =>
      store.dialect === 'postgres' ? sql<boolean>`${sql.ref(column)} ilike ${pattern} escape '!'` : sql<boolean>`casefold(${sql.ref(column)}) like casefold(${pattern}) escape '!'`;
    query = query.where(({ or, exists, selectFrom }) =>
      or([contains('messages.subject'), exists(selectFrom('recipients').select('recipients.id').whereRef('recipients.message_id', '=', 'messages.id').where(contains('recipients.address')))]),
    );
  }
  return query.execute();
}

/** Escapes LIKE's wildcards with `!`. */
function likeEscape(text: string): string {
  return text.replace(/[!%_]/g, (c) => `!${c}`);
}

export async function countMessagesByStatus(store: Store): Promise<Record<string, number>> {
  const rows = await store.db
    .selectFrom('messages')
    .select(['status', (eb) => eb.fn.countAll<number>().as('count')])
    .groupBy('status')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.count)]));
}
