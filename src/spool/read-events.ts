import type { Store, EventRow, EventType } from '../store/index.js';

export interface EventFilter {
  /** Only events of messages this user sent. */
  userId?: string | undefined;
  messageId?: string | undefined;
  types?: EventType[] | undefined;
  since?: number | undefined;
  until?: number | undefined;
  /** Events after this id (ids sort by time). */
  after?: string | undefined;
  /** Events before this id, newest first (for paging back). */
  before?: string | undefined;
  limit?: number;
  order?: 'asc' | 'desc';
}

export type EventWithServer = EventRow & { server_name: string | null };

/** The event log, filtered; with `userId`, only the events of that user's messages. */
export async function listEvents(store: Store, filter: EventFilter = {}): Promise<EventWithServer[]> {
  let query = store.db
    .selectFrom('events')
    .leftJoin('servers', 'servers.id', 'events.server_id')
    .selectAll('events')
    .select('servers.name as server_name')
    .orderBy('events.id', filter.order ?? 'desc')
    .limit(filter.limit ?? 100);
  if (filter.userId) {
    const userId = filter.userId;
    query = query.where(({ exists, selectFrom, or }) =>
      or([
        exists(selectFrom('messages').select('messages.id').whereRef('messages.id', '=', 'events.message_id').where('messages.user_id', '=', userId)),
        // A campaign's own events (campaign_finished) carry the campaign id.
        exists(selectFrom('campaigns').select('campaigns.id').whereRef('campaigns.id', '=', 'events.message_id').where('campaigns.user_id', '=', userId)),
      ]),
    );
  }
  if (filter.messageId) query = query.where('events.message_id', '=', filter.messageId);
  if (filter.types && filter.types.length > 0) query = query.where('events.type', 'in', filter.types);
  if (filter.since !== undefined) query = query.where('events.created_at', '>=', filter.since);
  if (filter.until !== undefined) query = query.where('events.created_at', '<', filter.until);
  if (filter.after) query = query.where('events.id', '>', filter.after);
  if (filter.before) query = query.where('events.id', '<', filter.before);
  return query.execute();
}

/** An event as the API and the stream show it. */
export function eventView(e: EventWithServer) {
  return {
    id: e.id,
    at: new Date(e.created_at).toISOString(),
    type: e.type,
    messageId: e.message_id,
    recipient: e.recipient,
    server: e.server_name ?? e.server_id,
    attempt: e.attempt,
    code: e.code,
    enhancedCode: e.enhanced,
    response: e.response,
    detail: e.detail,
  };
}
