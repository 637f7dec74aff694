/**
 * Deliverability metrics, grouped by campaign, server, recipient domain or day. Each is counted
 * per recipient, once:
 *
 *   attempted    recipients that got an answer: sent, bounced, complained or failed
 *   delivered    accepted by the receiving server and not bounced later (sent, complained)
 *   bounced      a bounce came back (DSN) or the server refused with a 5xx; hard and soft apart
 *   complained   a complaint (ARF) came back
 *   opened, clicked, unsubscribed   by a person; machine opens and clicks (privacy proxies,
 *                link scanners) are counted apart and in none of the rates
 *
 * Rates: bounce rate = bounced / attempted; complaint, open, click and unsubscribe rates are over
 * delivered; click-to-open = clicked / opened. All are fractions (0.05 is 5 %), 0 when the
 * denominator is.
 */
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { Store } from '../store/index.js';

export type GroupBy = 'campaign' | 'server' | 'domain' | 'day';

export interface DeliverabilityQuery {
  by: GroupBy;
  since?: number | undefined;
  until?: number | undefined;
  campaignId?: string | undefined;
  /** Only this user's messages (a sender sees their own). */
  userId?: string | undefined;
}

export interface Counts {
  attempted: number;
  delivered: number;
  bounced: number;
  hardBounced: number;
  softBounced: number;
  complained: number;
  opened: number;
  clicked: number;
  unsubscribed: number;
  machineOpened: number;
  machineClicked: number;
}

export interface Rates {
  deliveryRate: number;
  bounceRate: number;
  hardBounceRate: number;
  softBounceRate: number;
  complaintRate: number;
  openRate: number;
  clickRate: number;
  clickToOpenRate: number;
  unsubscribeRate: number;
}

export interface DeliverabilityRow extends Counts {
  key: string | null;
  rates: Rates;
}

const ratio = (a: number, b: number): number => (b > 0 ? a / b : 0);

export function ratesOf(c: Counts): Rates {
  return {
    deliveryRate: ratio(c.delivered, c.attempted),
    bounceRate: ratio(c.bounced, c.attempted),
    hardBounceRate: ratio(c.hardBounced, c.attempted),
    softBounceRate: ratio(c.softBounced, c.attempted),
    complaintRate: ratio(c.complained, c.delivered),
    openRate: ratio(c.opened, c.delivered),
    clickRate: ratio(c.clicked, c.delivered),
    clickToOpenRate: ratio(c.clicked, c.opened),
    unsubscribeRate: ratio(c.unsubscribed, c.delivered),
  };
}

export async function readDeliverability(store: Store, query: DeliverabilityQuery): Promise<DeliverabilityRow[]> {
  const pg = store.dialect === 'postgres';
  const domainOf = pg ? sql<string>`split_part(recipients.address, '@', 2)` : sql<string>`substr(recipients.address, instr(recipients.address, '@') + 1)`;
  const dayOf = pg ? sql<string>`to_char(to_timestamp(recipients.updated_at / 1000.0) at time zone 'UTC', 'YYYY-MM-DD')` : sql<string>`strftime('%Y-%m-%d', recipients.updated_at / 1000, 'unixepoch')`;
  const key =
    query.by === 'campaign' ? sql<string | null>`messages.campaign_id` : query.by === 'server' ? sql<string | null>`recipients.server_id` : query.by === 'domain' ? domainOf : dayOf;
  const engaged = (kind: string, machine: number): RawBuilder<number> =>
    sql<number>`(select count(distinct e.recipient_id) from engagements e where e.recipient_id = recipients.id and e.kind = ${kind} and e.machine = ${machine})`;
  const bounce = (hard: number): RawBuilder<number> =>
    sql<number>`(case when recipients.status in ('bounced', 'failed') and exists (select 1 from feedback f where f.recipient_id = recipients.id and f.kind = 'bounce' and f.hard = ${hard}) then 1 else 0 end)`;

  // One row per recipient with its facts, then summed per group: each recipient counts once.
  let inner = store.db
    .selectFrom('recipients')
    .innerJoin('messages', 'messages.id', 'recipients.message_id')
    .select([
      key.as('key'),
      sql<number>`case when recipients.status in ('sent', 'bounced', 'complained', 'failed') then 1 else 0 end`.as('attempted'),
      sql<number>`case when recipients.status in ('sent', 'complained') then 1 else 0 end`.as('delivered'),
      sql<number>`case when recipients.status = 'bounced' or (recipients.status = 'failed' and exists (select 1 from feedback f where f.recipient_id = recipients.id and f.kind = 'bounce')) then 1 else 0 end`.as('bounced'),
      bounce(1).as('hard'),
      sql<number>`case when recipients.status = 'complained' then 1 else 0 end`.as('complained'),
      sql<number>`case when ${engaged('open', 0)} > 0 then 1 else 0 end`.as('opened'),
      sql<number>`case when ${engaged('click', 0)} > 0 then 1 else 0 end`.as('clicked'),
      sql<number>`case when ${engaged('unsubscribe', 0)} + ${engaged('unsubscribe', 1)} > 0 then 1 else 0 end`.as('unsubscribed'),
      sql<number>`case when ${engaged('open', 1)} > 0 then 1 else 0 end`.as('machine_opened'),
      sql<number>`case when ${engaged('click', 1)} > 0 then 1 else 0 end`.as('machine_clicked'),
    ])
    .where(sql<SqlBool>`recipients.status in ('sent', 'bounced', 'complained', 'failed')`);
  if (query.campaignId) inner = inner.where('messages.campaign_id', '=', query.campaignId);
  if (query.userId) inner = inner.where('messages.user_id', '=', query.userId);
  if (query.since !== undefined) inner = inner.where('recipients.updated_at', '>=', query.since);
  if (query.until !== undefined) inner = inner.where('recipients.updated_at', '<', query.until);
  if (query.by === 'campaign') inner = inner.where('messages.campaign_id', 'is not', null);

  const rows = await store.db
    .selectFrom(inner.as('r'))
    .select([
      'r.key',
      (eb) => eb.fn.sum<number>('r.attempted').as('attempted'),
      (eb) => eb.fn.sum<number>('r.delivered').as('delivered'),
      (eb) => eb.fn.sum<number>('r.bounced').as('bounced'),
      (eb) => eb.fn.sum<number>('r.hard').as('hard'),
      (eb) => eb.fn.sum<number>('r.complained').as('complained'),
      (eb) => eb.fn.sum<number>('r.opened').as('opened'),
      (eb) => eb.fn.sum<number>('r.clicked').as('clicked'),
      (eb) => eb.fn.sum<number>('r.unsubscribed').as('unsubscribed'),
      (eb) => eb.fn.sum<number>('r.machine_opened').as('machine_opened'),
      (eb) => eb.fn.sum<number>('r.machine_clicked').as('machine_clicked'),
    ])
    .groupBy('r.key')
    .orderBy('r.key')
    .execute();
  return rows.map((r) => {
    const counts: Counts = {
      attempted: Number(r.attempted),
      delivered: Number(r.delivered),
      bounced: Number(r.bounced),
      hardBounced: Number(r.hard),
      softBounced: Number(r.bounced) - Number(r.hard),
      complained: Number(r.complained),
      opened: Number(r.opened),
      clicked: Number(r.clicked),
      unsubscribed: Number(r.unsubscribed),
      machineOpened: Number(r.machine_opened),
      machineClicked: Number(r.machine_clicked),
    };
    return { key: r.key === null ? null : String(r.key), ...counts, rates: ratesOf(counts) };
  });
}
