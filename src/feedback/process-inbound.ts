/**
 * What happens to a message the inbound listener or a polled mailbox received: it is stored
 * raw, read (read-report.ts), matched to the recipients it speaks of (match-report.ts), and
 * applied, all in one transaction — so a 250 (or a mailbox delete) follows only once every
 * consequence is committed:
 *
 *   bounce, failed   recipient `bounced`, a `bounced` event, a feedback row; a hard bounce
 *                    suppresses the address, soft ones once there are enough (bounce-suppression.ts)
 *   bounce, delayed  a `delayed` feedback row only: the remote MTA is still trying
 *   complaint        recipient `complained`, a `complained` event, the address suppressed
 *   auto-reply       a feedback row (an out-of-office is not a bounce)
 *   delivered, unknown   kept, nothing changes
 *
 * A message that cannot be read at all is still stored, with the error, and changes nothing.
 * The same bytes received again (a poll cut off before its delete, a sender that missed our
 * 250) are recognised by their digest and applied only once.
 */
import { createHash } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Database, FeedbackKind } from '../store/index.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { getSettings, feedbackSettings, type Settings } from '../servers/settings.js';
import { recordEvents, refreshMessageStatus, type NewEvent } from '../spool/index.js';
import type { Store } from '../store/index.js';
import { readFeedback } from './read-report.js';
import type { BounceRule } from './bounce-rules.js';
import type { FeedbackReport } from './types.js';
import { readVerpAddress } from './verp.js';
import { matchReport, type Matched } from './match-report.js';
import { suppressAfterBounces } from './bounce-suppression.js';
import { suppressAddresses } from './suppress-addresses.js';

export interface InboundContext {
  store: Store;
  clock: Clock;
  log: Logger;
  bounceRules: readonly BounceRule[];
  verpKey: Buffer;
}

export interface InboundMessage {
  raw: Buffer;
  /** `inbound` or `mailbox:<host>`. */
  source: string;
  clientIp: string | null;
  mailFrom: string | null;
  rcptTo: string[];
}

export interface InboundResult {
  id: string;
  kind: FeedbackKind | null;
  result: string;
}

export async function processInbound(ctx: InboundContext, message: InboundMessage): Promise<InboundResult> {
  const now = ctx.clock.now();
  const id = newId('inb', now);
  const settings = await getSettings(ctx.store);
  const digest = createHash('sha256').update(message.raw).digest('hex');
  const seen = await ctx.store.db.selectFrom('inbound_messages').select(['id', 'kind', 'result']).where('digest', '=', digest).executeTakeFirst();
  if (seen) return { id: seen.id, kind: seen.kind, result: `already received as ${seen.id}` };
  const row = { id, source: message.source, client_ip: message.clientIp, mail_from: message.mailFrom, rcpt_to: JSON.stringify(message.rcptTo), size: message.raw.length, raw: message.raw, digest, received_at: now };
  let report: FeedbackReport;
  try {
    report = await readFeedback(message.raw, ctx.bounceRules);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    await ctx.store.db.insertInto('inbound_messages').values({ ...row, kind: null, result: 'not read', error: reason.slice(0, 1000) }).execute();
    ctx.log.warn({ inbound: id, err: error }, 'inbound message could not be read; kept');
    return { id, kind: null, result: 'not read' };
  }
  const verpIds = settings.bounce_domain ? message.rcptTo.map((a) => readVerpAddress(ctx.verpKey, a, settings.bounce_domain!)).filter((r): r is string => r !== null) : [];
  const result = await ctx.store.db.transaction().execute(async (trx) => {
    const matched = await matchReport(trx, report, verpIds);
    const summary = await applyReport(trx, report, matched, settings, id, message.source === 'inbound' ? 'inbound' : 'mailbox', now);
    await trx.insertInto('inbound_messages').values({ ...row, kind: report.kind, result: summary, error: null }).execute();
    return summary;
  });
  ctx.log.info({ inbound: id, kind: report.kind, result }, 'inbound message processed');
  return { id, kind: report.kind, result };
}

async function applyReport(trx: Transaction<Database>, report: FeedbackReport, matched: Matched[], settings: Settings, inboundId: string, source: 'inbound' | 'mailbox', now: number): Promise<string> {
  const events: NewEvent[] = [];
  const touched = new Set<string>();
  const bounces: Parameters<typeof suppressAfterBounces>[1] = [];
  const complaints: string[] = [];
  let applied = 0;
  for (const { row, recipient } of matched) {
    const address = (recipient?.address ?? row.recipient)?.toLowerCase() ?? null;
    // A delay notice is not a bounce (yet): kept as `delayed`, it counts in no bounce rate and towards no suppression.
    const kind: FeedbackKind = report.kind === 'bounce' && row.action === 'delayed' ? 'delayed' : report.kind;
    await trx
      .insertInto('feedback')
      .values({
        id: newId('fbk', now),
        kind,
        source,
        message_id: recipient?.message_id ?? null,
        recipient_id: recipient?.id ?? null,
        campaign_id: recipient?.campaign_id ?? null,
        server_id: recipient?.server_id ?? null,
        address,
        domain: address ? address.slice(address.lastIndexOf('@') + 1) : null,
        reason: row.reason,
        hard: row.hard && kind === 'bounce' ? 1 : 0,
        status: row.status,
        code: row.code,
        diagnostic: row.diagnostic,
        feedback_type: report.feedbackType,
        inbound_id: inboundId,
        created_at: now,
      })
      .execute();
    if (!recipient || !address) continue;
    const detail = `${row.reason}${row.hard ? ' (hard)' : ' (soft)'}${row.diagnostic ? `: ${row.diagnostic}` : ''}`;
    if (kind === 'bounce') {
      await trx.updateTable('recipients').set({ status: 'bounced', last_code: row.code, last_enhanced: row.status, last_response: detail.slice(0, 1000), updated_at: now }).where('id', '=', recipient.id).where('status', 'in', ['sent', 'failed', 'deferred']).execute();
      events.push({ messageId: recipient.message_id, recipient: address, serverId: recipient.server_id, type: 'bounced', code: row.code, enhanced: row.status, response: row.diagnostic, detail });
      bounces.push({ address, reason: row.reason, hard: row.hard, messageId: recipient.message_id, detail });
    } else if (kind === 'complaint') {
      await trx.updateTable('recipients').set({ status: 'complained', updated_at: now }).where('id', '=', recipient.id).where('status', 'in', ['sent', 'bounced']).execute();
      events.push({ messageId: recipient.message_id, recipient: address, serverId: recipient.server_id, type: 'complained', detail: `complaint${report.feedbackType ? ` (${report.feedbackType})` : ''}` });
      complaints.push(address);
    } else continue;
    touched.add(recipient.message_id);
    applied += 1;
  }
  await suppressAfterBounces(trx, bounces, feedbackSettings(settings), now);
  if (complaints.length) await suppressAddresses(trx, complaints.map((address) => ({ address, reason: 'complaint' as const, detail: report.feedbackType ?? 'complaint' })), now);
  await refreshMessageStatus(trx, [...touched], now);
  await recordEvents(trx, events, now);
  const unmatched = matched.filter((m) => !m.recipient).length;
  return `${report.kind}: ${matched.length} recipient(s), ${applied} applied${unmatched ? `, ${unmatched} not matched to a message of ours` : ''}`;
}
