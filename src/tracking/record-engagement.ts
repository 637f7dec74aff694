/**
 * Records an open or a click of a message: always an `engagements` row (people and machines,
 * for the metrics), and for a person an event — the event log and segments read human activity.
 * One `opened` event per message is enough (later opens add engagement rows only); every human
 * click is a `clicked` event with its URL.
 */
import type { Transaction } from 'kysely';
import type { Database, Store, EventType } from '../store/index.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { recordEvents } from '../spool/index.js';
import { judgeHit, type AgentRule, type HitKind, type TimingLimits, type Verdict } from './machine-agents.js';

export interface EngagementContext {
  store: Store;
  clock: Clock;
  rules: readonly AgentRule[];
  timing?: TimingLimits;
}

export interface EngagementInput {
  kind: HitKind;
  messageId: string;
  /** The link's URL, for a click. */
  url?: string;
  method: string;
  userAgent: string | null;
  ip: string | null;
}

export interface RecordedEngagement extends Verdict {
  /** The event written, or null (a machine, or a repeated open). */
  event: EventType | null;
}

/** Earlier engagements looked at for timing: a scanner's burst is a handful, not hundreds. */
const LOOK_BACK = 200;

/** Null when no such message exists. */
export async function recordEngagement(ctx: EngagementContext, input: EngagementInput): Promise<RecordedEngagement | null> {
  const now = ctx.clock.now();
  return ctx.store.db.transaction().execute(async (trx) => {
    const message = await trx
      .selectFrom('messages')
      .leftJoin('campaigns', 'campaigns.id', 'messages.campaign_id')
      .select(['messages.id', 'messages.campaign_id', 'campaigns.track_opens'])
      .where('messages.id', '=', input.messageId)
      .executeTakeFirst();
    if (!message) return null;
    const recipient = await trx.selectFrom('recipients').select(['id', 'address']).where('message_id', '=', message.id).orderBy('id').limit(1).executeTakeFirst();
    const sent = await trx
      .selectFrom('events')
      .select((eb) => eb.fn.min<number | null>('created_at').as('at'))
      .where('message_id', '=', message.id)
      .where('type', '=', 'sent')
      .executeTakeFirst();
    const earlier = await trx
      .selectFrom('engagements')
      .select(['kind', 'url', 'machine', 'created_at'])
      .where('message_id', '=', message.id)
      .where('kind', 'in', ['open', 'click'])
      .orderBy('created_at', 'desc')
      .limit(LOOK_BACK)
      .execute();
    const sentAt = sent?.at === null || sent?.at === undefined ? null : Number(sent.at);
    const verdict = judgeHit(
      ctx.rules,
      {
        kind: input.kind,
        method: input.method,
        userAgent: input.userAgent,
        ip: input.ip,
        at: now,
        sentAt,
        earlierClicks: earlier.filter((e) => e.kind === 'click').map((e) => ({ url: e.url ?? '', at: Number(e.created_at) })),
        openedBefore: message.track_opens === 0 ? null : earlier.some((e) => e.kind === 'open'),
        url: input.url,
      },
      ctx.timing,
    );
    await trx
      .insertInto('engagements')
      .values({
        id: newId('eng', now),
        kind: input.kind,
        message_id: message.id,
        recipient_id: recipient?.id ?? null,
        campaign_id: message.campaign_id,
        url: input.url ?? null,
        machine: verdict.machine ? 1 : 0,
        agent: verdict.agent,
        user_agent: input.userAgent?.slice(0, 500) ?? null,
        ip: input.ip,
        created_at: now,
      })
      .execute();
    const event = verdict.machine ? null : await humanEvent(trx, input, message.id, recipient?.address ?? null, verdict, now);
    return { ...verdict, event };
  });
}

async function humanEvent(trx: Transaction<Database>, input: EngagementInput, messageId: string, recipient: string | null, verdict: Verdict, now: number): Promise<EventType | null> {
  if (input.kind === 'open') {
    // The row just written is the only human open unless there was one before.
    const humanOpens = await trx.selectFrom('engagements').select('id').where('message_id', '=', messageId).where('kind', '=', 'open').where('machine', '=', 0).limit(2).execute();
    if (humanOpens.length > 1) return null;
    await recordEvents(trx, [{ messageId, recipient, type: 'opened', detail: verdict.agent ? `via ${verdict.agent}` : null }], now);
    return 'opened';
  }
  await recordEvents(trx, [{ messageId, recipient, type: 'clicked', detail: input.url ?? null }], now);
  return 'clicked';
}
