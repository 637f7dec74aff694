/**
 * The sandbox inbox: the copies sandbox servers kept, read like a mailbox. A copy is shown to
 * whoever may see its message's content (the sender; admins for messages without an owner).
 */
import { sql } from 'kysely';
import type { Store } from '../store/index.js';

export interface InboxReader {
  userId: string;
  isAdmin: boolean;
}

export interface InboxQuery {
  /** Text searched in the subject and the recipient (case-insensitive). */
  q?: string | undefined;
  limit: number;
  /** Copies older than this id. */
  before?: string | undefined;
}

function inbox(store: Store, reader: InboxReader) {
  return store.db
    .selectFrom('sandbox_messages')
    .innerJoin('messages', 'messages.id', 'sandbox_messages.message_id')
    .leftJoin('servers', 'servers.id', 'sandbox_messages.server_id')
    .select([
      'sandbox_messages.id',
      'sandbox_messages.message_id',
      'sandbox_messages.recipient',
      'sandbox_messages.created_at',
      'messages.from_header',
      'messages.subject',
      'servers.name as server_name',
    ])
    .where((eb) => (reader.isAdmin ? eb.or([eb('messages.user_id', '=', reader.userId), eb('messages.user_id', 'is', null)]) : eb('messages.user_id', '=', reader.userId)));
}

export async function listSandboxMessages(store: Store, reader: InboxReader, options: InboxQuery) {
  let query = inbox(store, reader).orderBy('sandbox_messages.id', 'desc').limit(options.limit);
  if (options.before) query = query.where('sandbox_messages.id', '<', options.before);
  if (options.q) {
    const pattern = `%${options.q.replace(/[!%_]/g, (c) => `!${c}`)}%`;
    query =
      store.dialect === 'postgres'
        ? query.where(sql<boolean>`(messages.subject ilike ${pattern} escape '!' or sandbox_messages.recipient ilike ${pattern} escape '!')`)
        : query.where(sql<boolean>`(casefold(messages.subject) like casefold(${pattern}) escape '!' or casefold(sandbox_messages.recipient) like casefold(${pattern}) escape '!')`);
  }
  return query.execute();
}

/** One kept copy with its raw message, or undefined when there is none this reader may see. */
export async function getSandboxMessage(store: Store, reader: InboxReader, id: string) {
  return inbox(store, reader).select('sandbox_messages.raw').where('sandbox_messages.id', '=', id).executeTakeFirst();
}

export type SandboxCopy = Awaited<ReturnType<typeof listSandboxMessages>>[number];
