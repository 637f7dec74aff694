/**
 * The dispatcher turns the event log into webhook deliveries: it reads events in id order after
 * its cursor, writes one delivery per subscribed endpoint, and moves the cursor, in one
 * transaction. A crash repeats at most the last batch, and the unique (endpoint, event) pair
 * makes the repeat write nothing; several dispatchers (several `serve` processes) may run.
 *
 * Event ids sort by the time they were made, but a transaction that made its ids a moment ago
 * may commit after one that made later ids. So only events older than `settleMs` are read: by
 * then everything written before them has committed, and the cursor never steps over an event
 * that is still to appear.
 */
import type { Kysely } from 'kysely';
import type { Database, Store, WebhookRow } from '../store/index.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { listEvents, eventView, type EventWithServer } from '../spool/index.js';
import { webhookEventType } from './webhook-events.js';

const CURSOR = 'events';

export interface DispatchOptions {
  /** Events younger than this are left for the next pass (see above). */
  settleMs: number;
  /** Events read per pass. */
  batch?: number;
}

type Subscriber = Pick<WebhookRow, 'id' | 'user_id' | 'created_at'> & { admin: boolean; events: Set<string> };

/** One pass: turns up to `batch` settled events after the cursor into deliveries. Returns how many events it read. */
export async function dispatchEvents(store: Store, clock: Clock, options: DispatchOptions): Promise<number> {
  const now = clock.now();
  const cursor = await readCursor(store, now);
  const settled = now - options.settleMs;
  const subscribers = await activeSubscribers(store);
  if (subscribers.length === 0) {
    // Nobody listens: step over what has settled without reading it.
    let newest = store.db.selectFrom('events').select((eb) => eb.fn.max('id').as('id')).where('created_at', '<', settled);
    if (cursor) newest = newest.where('id', '>', cursor);
    const last = (await newest.executeTakeFirst())?.id;
    if (last) await moveCursor(store.db, last, now);
    return 0;
  }
  const events = await listEvents(store, { after: cursor || undefined, until: settled, order: 'asc', limit: options.batch ?? 500 });
  if (events.length === 0) return 0;
  const deliveries = await matchDeliveries(store, events, subscribers, now);
  const last = events.at(-1)!.id;
  await store.db.transaction().execute(async (trx) => {
    for (let i = 0; i < deliveries.length; i += 200) {
      await trx
        .insertInto('webhook_deliveries')
        .values(deliveries.slice(i, i + 200))
        .onConflict((oc) => oc.columns(['webhook_id', 'event_id']).doNothing())
        .execute();
    }
    await moveCursor(trx, last, now);
  });
  return events.length;
}

/** Forward only: a slower dispatcher finishing an older batch does not move it back. */
async function moveCursor(db: Kysely<Database>, eventId: string, now: number): Promise<void> {
  await db.updateTable('webhook_cursor').set({ event_id: eventId, updated_at: now }).where('name', '=', CURSOR).where('event_id', '<', eventId).execute();
}

/**
 * The cursor; on the very first pass it starts at the newest event, so installing webhooks does
 * not replay history (an endpoint gets only events from after it was created anyway).
 */
async function readCursor(store: Store, now: number): Promise<string> {
  const row = await store.db.selectFrom('webhook_cursor').select('event_id').where('name', '=', CURSOR).executeTakeFirst();
  if (row) return row.event_id;
  const newest = await store.db.selectFrom('events').select('id').orderBy('id', 'desc').limit(1).executeTakeFirst();
  await store.db
    .insertInto('webhook_cursor')
    .values({ name: CURSOR, event_id: newest?.id ?? '', updated_at: now })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  return (await store.db.selectFrom('webhook_cursor').select('event_id').where('name', '=', CURSOR).executeTakeFirstOrThrow()).event_id;
}

async function activeSubscribers(store: Store): Promise<Subscriber[]> {
  const rows = await store.db
    .selectFrom('webhooks')
    .innerJoin('users', 'users.id', 'webhooks.user_id')
    .select(['webhooks.id', 'webhooks.user_id', 'webhooks.created_at', 'webhooks.events', 'users.role'])
    .where('webhooks.active', '=', 1)
    .execute();
  return rows.map((r) => ({ id: r.id, user_id: r.user_id, created_at: r.created_at, admin: r.role === 'admin', events: new Set(JSON.parse(r.events) as string[]) }));
}

/**
 * Who hears of an event: endpoints subscribed to its type, created before it happened, whose
 * owner sent the message — or whose owner is an admin, who hears of every message.
 */
async function matchDeliveries(store: Store, events: EventWithServer[], subscribers: Subscriber[], now: number) {
  const owners = await messageOwners(store, [...new Set(events.map((e) => e.message_id))]);
  const deliveries = [];
  for (const event of events) {
    const type = webhookEventType(event.type);
    const owner = owners.get(event.message_id) ?? null;
    for (const s of subscribers) {
      if (!s.events.has(type) || s.created_at > event.created_at || (!s.admin && s.user_id !== owner)) continue;
      const id = newId('whd', now);
      deliveries.push({
        id,
        webhook_id: s.id,
        event_id: event.id,
        event_type: type,
        payload: JSON.stringify({ id, type, createdAt: new Date(event.created_at).toISOString(), data: eventView(event) }),
        status: 'pending' as const,
        attempts: 0,
        next_attempt_at: now,
        first_attempt_at: null,
        last_status_code: null,
        last_error: null,
        created_at: now,
        updated_at: now,
      });
    }
  }
  return deliveries;
}

async function messageOwners(store: Store, ids: string[]): Promise<Map<string, string | null>> {
  const owners = new Map<string, string | null>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await store.db.selectFrom('messages').select(['id', 'user_id']).where('id', 'in', ids.slice(i, i + 500)).execute();
    for (const r of rows) owners.set(r.id, r.user_id);
    // A campaign's events carry the campaign id.
    const campaigns = await store.db.selectFrom('campaigns').select(['id', 'user_id']).where('id', 'in', ids.slice(i, i + 500)).execute();
    for (const c of campaigns) owners.set(c.id, c.user_id);
  }
  return owners;
}
