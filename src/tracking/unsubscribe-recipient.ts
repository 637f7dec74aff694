/**
 * Unsubscribes the recipient of one message: from everything (a global suppression, reason
 * `unsubscribe`, and the contact becomes `unsubscribed`), or from chosen lists (a suppression
 * for each list, and the contact leaves it). Only lists the contact is on, or that the message's
 * campaign went to, can be chosen: a request can do nothing but unsubscribe this recipient.
 *
 * Idempotent: when nothing changes (a second one-click POST, a mail provider retrying), nothing
 * is written — no event, no engagement row.
 */
import type { Transaction } from 'kysely';
import type { Database, Store } from '../store/index.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { recordEvents } from '../spool/index.js';
import { suppressAddresses } from '../feedback/suppress-addresses.js';

export type UnsubscribeChoice = { all: true } | { all: false; lists: readonly string[] };

export interface UnsubscribeInput {
  messageId: string;
  choice: UnsubscribeChoice;
  /** How it arrived, for the event's detail: `one-click` (RFC 8058), `page`, `mailto`. */
  how: 'one-click' | 'page' | 'mailto';
  userAgent?: string | null;
  ip?: string | null;
}

export interface UnsubscribeResult {
  changed: boolean;
  /** The lists the recipient left (by name), when lists were chosen. */
  lists: string[];
}

/** Null when no such message exists. */
export async function unsubscribeRecipient(ctx: { store: Store; clock: Clock }, input: UnsubscribeInput): Promise<UnsubscribeResult | null> {
  const now = ctx.clock.now();
  return ctx.store.db.transaction().execute(async (trx) => {
    const message = await trx.selectFrom('messages').select(['id', 'campaign_id', 'contact_id']).where('id', '=', input.messageId).executeTakeFirst();
    if (!message) return null;
    const recipient = await trx.selectFrom('recipients').select(['id', 'address']).where('message_id', '=', message.id).orderBy('id').limit(1).executeTakeFirst();
    if (!recipient) return { changed: false, lists: [] };
    const address = recipient.address.trim().toLowerCase();
    const contact = await trx
      .selectFrom('contacts')
      .select(['id', 'status'])
      .where((eb) => (message.contact_id ? eb('id', '=', message.contact_id) : eb('email', '=', address)))
      .executeTakeFirst();
    const detail = `${input.how} unsubscribe`;
    let changed: boolean;
    let left: string[] = [];
    if (input.choice.all) {
      const existing = await trx.selectFrom('suppressions').select(['expires_at']).where('address', '=', address).where('scope', '=', '').executeTakeFirst();
      if (existing === undefined || existing.expires_at !== null) {
        changed = (await suppressAddresses(trx, [{ address, scope: '', reason: 'unsubscribe', detail, messageId: message.id }], now)) > 0;
      } else {
        // Already never sent to (and a complaint's or bounce's reason is worth keeping): only a
        // contact still marked subscribed has something to change.
        const updated = contact ? await trx.updateTable('contacts').set({ status: 'unsubscribed', updated_at: now }).where('id', '=', contact.id).where('status', '=', 'subscribed').executeTakeFirst() : undefined;
        changed = Number(updated?.numUpdatedRows ?? 0) > 0;
      }
    } else {
      left = await leaveLists(trx, { address, contactId: contact?.id ?? null, campaignId: message.campaign_id, messageId: message.id, chosen: input.choice.lists, detail }, now);
      changed = left.length > 0;
    }
    if (!changed) return { changed: false, lists: [] };
    await recordEvents(trx, [{ messageId: message.id, recipient: recipient.address, type: 'unsubscribed', detail: input.choice.all ? `${detail}: everything` : `${detail}: ${left.join(', ')}` }], now);
    await trx
      .insertInto('engagements')
      .values({
        id: newId('eng', now),
        kind: 'unsubscribe',
        message_id: message.id,
        recipient_id: recipient.id,
        campaign_id: message.campaign_id,
        url: null,
        machine: 0,
        agent: null,
        user_agent: input.userAgent?.slice(0, 500) ?? null,
        ip: input.ip ?? null,
        created_at: now,
      })
      .execute();
    return { changed: true, lists: left };
  });
}

interface LeaveLists {
  address: string;
  contactId: string | null;
  campaignId: string | null;
  messageId: string;
  chosen: readonly string[];
  detail: string;
}

/** Names of the lists newly left: suppressed for the address, and the contact off them. */
async function leaveLists(trx: Transaction<Database>, input: LeaveLists, now: number): Promise<string[]> {
  const allowed = new Set<string>();
  if (input.contactId) {
    const rows = await trx.selectFrom('list_members').select('list_id').where('contact_id', '=', input.contactId).execute();
    for (const row of rows) allowed.add(row.list_id);
  }
  if (input.campaignId) {
    const campaign = await trx.selectFrom('campaigns').select('list_ids').where('id', '=', input.campaignId).executeTakeFirst();
    for (const id of campaign ? (JSON.parse(campaign.list_ids) as string[]) : []) allowed.add(id);
  }
  const chosen = [...new Set(input.chosen)].filter((id) => allowed.has(id));
  if (chosen.length === 0) return [];
  const lists = await trx.selectFrom('lists').select(['id', 'name']).where('id', 'in', chosen).orderBy('name').execute();
  const left: string[] = [];
  for (const list of lists) {
    const existing = await trx.selectFrom('suppressions').select('expires_at').where('address', '=', input.address).where('scope', '=', list.id).executeTakeFirst();
    const suppressed = existing === undefined || existing.expires_at !== null ? await suppressAddresses(trx, [{ address: input.address, scope: list.id, reason: 'unsubscribe', detail: input.detail, messageId: input.messageId }], now) : 0;
    const removed = input.contactId ? await trx.deleteFrom('list_members').where('list_id', '=', list.id).where('contact_id', '=', input.contactId).executeTakeFirst() : undefined;
    if (suppressed > 0 || Number(removed?.numDeletedRows ?? 0) > 0) left.push(list.name);
  }
  return left;
}
