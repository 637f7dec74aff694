/**
 * Expansion: one spool message per contact of the audience — on any of the campaign's lists,
 * subscribed, each address once (contacts are unique by address) — written in batches, each in
 * its own transaction with the cursor, so a million recipients never sit in memory and an
 * interrupted expansion resumes where it stopped. Each recipient is due when the schedule says
 * (per contact's time zone for local-time campaigns) and has the bulk priority.
 *
 * The messages carry no content: the worker renders each one at send time.
 */
import { sql, type Insertable } from 'kysely';
import type { Store, CampaignRow, ContactRow, MessagesTable, RecipientsTable } from '../store/index.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { domainOf, formatMailbox, recordEvents, type NewEvent } from '../spool/index.js';
import { getSettings, findServer } from '../servers/index.js';
import { contactScope, parseSubject, renderSubject } from './render-template.js';
import { dueTime, type Schedule } from './schedule.js';
import { parseSegment, segmentCondition, type SegmentDefinition } from './segment.js';

export interface ExpandContext {
  store: Store;
  clock: Clock;
  lifetimeMs: number;
}

const BATCH = 2000;

export interface Audience {
  listIds: string[];
  segment: SegmentDefinition | null;
  /** When the segment is evaluated ("in the last 30 days" counts back from here). */
  now: number;
}

/** The audience, as a query: subscribed contacts on any of the lists, and matching the segment. */
export function audienceQuery(store: Store, audience: Audience) {
  let query = store.db.selectFrom('contacts').where('contacts.status', '=', 'subscribed');
  if (audience.listIds.length > 0) {
    const listIds = audience.listIds;
    query = query.where(({ exists, selectFrom }) =>
      exists(selectFrom('list_members').select('list_members.contact_id').whereRef('list_members.contact_id', '=', 'contacts.id').where('list_members.list_id', 'in', listIds)),
    );
  }
  if (audience.segment) query = query.where(segmentCondition(store, audience.segment, audience.now));
  return query;
}

export async function countAudience(store: Store, audience: Audience): Promise<number> {
  const row = await audienceQuery(store, audience).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** A campaign's audience as it was set. */
export async function campaignAudience(store: Store, campaign: CampaignRow, now: number): Promise<Audience> {
  const segment = campaign.segment_id ? await store.db.selectFrom('segments').select('definition').where('id', '=', campaign.segment_id).executeTakeFirst() : undefined;
  return { listIds: JSON.parse(campaign.list_ids) as string[], segment: segment ? parseSegment(JSON.parse(segment.definition)) : null, now };
}

/** Writes the campaign's remaining messages; returns how many it wrote (stopping early if another process is expanding it, or it was cancelled). */
export async function expandCampaign(ctx: ExpandContext, campaign: CampaignRow): Promise<number> {
  const { store, clock } = ctx;
  const schedule = JSON.parse(campaign.schedule) as Schedule;
  const startedAt = campaign.started_at ?? clock.now();
  const audience = await campaignAudience(store, campaign, startedAt);
  const total = await countAudience(store, audience);
  const subject = parseSubject(campaign.subject);
  const serverId = campaign.server_id ?? (await bulkServer(store));
  const domain = domainOf(campaign.from_address);
  let cursor = campaign.expand_cursor ?? '';
  let index = campaign.total;
  let written = 0;
  for (;;) {
    const contacts: ContactRow[] = await audienceQuery(store, audience).selectAll('contacts').where('contacts.id', '>', cursor).orderBy('contacts.id').limit(BATCH).execute();
    const now = clock.now();
    const messages: Array<Insertable<MessagesTable>> = [];
    const recipients: Array<Insertable<RecipientsTable>> = [];
    const events: NewEvent[] = [];
    for (const contact of contacts) {
      const id = newId('msg', now);
      const due = dueTime(schedule, startedAt, contact.time_zone, index++, total);
      messages.push({
        id,
        status: 'queued',
        from_address: campaign.from_address,
        from_header: campaign.from_header,
        reply_to: campaign.reply_to,
        to_header: formatMailbox({ name: contact.name, address: contact.email }),
        subject: renderSubject(subject, contactScope(contact)),
        requested_server_id: serverId,
        server_id: null,
        message_id_header: `<${id}@${domain}>`,
        size: campaign.html.length + (campaign.text ?? campaign.text_generated).length,
        created_at: now,
        updated_at: now,
        expires_at: Math.max(now, due) + ctx.lifetimeMs,
        user_id: campaign.user_id,
        tags: JSON.stringify(['campaign']),
        metadata: JSON.stringify({ campaign: campaign.id }),
        campaign_id: campaign.id,
        contact_id: contact.id,
      });
      recipients.push({
        id: newId('rcp', now),
        message_id: id,
        address: contact.email,
        kind: 'to',
        status: 'queued',
        attempts: 0,
        next_attempt_at: due,
        lease_owner: null,
        server_id: null,
        updated_at: now,
        priority: 1,
      });
      events.push({ messageId: id, type: 'queued', detail: `campaign ${campaign.name}` + (due > now ? `, due ${new Date(due).toISOString()}` : '') });
    }
    const last = contacts.at(-1)?.id ?? cursor;
    const done = contacts.length < BATCH;
    const before = cursor;
    const kept = await store.db
      .transaction()
      .execute(async (trx) => {
        // Lock the campaign row first: a pause or cancel running now either finishes before this
        // batch (which then writes its rows paused, or stops) or waits for it.
        let current = trx.selectFrom('campaigns').select('status').where('id', '=', campaign.id);
        if (store.dialect === 'postgres') current = current.forUpdate();
        const status = (await current.executeTakeFirst())?.status;
        if (status === 'paused') {
          for (const r of recipients) r.status = 'paused';
          for (const m of messages) m.status = 'paused';
        }
        for (let i = 0; i < messages.length; i += 200) await trx.insertInto('messages').values(messages.slice(i, i + 200)).execute();
        for (let i = 0; i < recipients.length; i += 500) await trx.insertInto('recipients').values(recipients.slice(i, i + 500)).execute();
        await recordEvents(trx, events, now);
        // Guarded by the cursor: if another process expanded this batch first, or the campaign
        // was cancelled meanwhile, this batch rolls back and this expansion stops.
        const updated = await trx
          .updateTable('campaigns')
          .set({ expand_cursor: last, total: sql<number>`total + ${contacts.length}`, expanded: done ? 1 : 0, updated_at: now })
          .where('id', '=', campaign.id)
          .where('expanded', '=', 0)
          .where(sql<boolean>`coalesce(expand_cursor, '') = ${before}`)
          .where('status', 'in', ['scheduled', 'sending', 'paused'])
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) !== 1) throw new ExpansionStopped();
        return true;
      })
      .catch((error: unknown) => {
        if (error instanceof ExpansionStopped) return false;
        throw error;
      });
    if (!kept) break;
    written += contacts.length;
    cursor = last;
    if (done) break;
  }
  return written;
}

class ExpansionStopped extends Error {}

async function bulkServer(store: Store): Promise<string | null> {
  const settings = await getSettings(store);
  if (!settings.bulk_server) return null;
  return (await findServer(store, settings.bulk_server).catch(() => null))?.id ?? null;
}
