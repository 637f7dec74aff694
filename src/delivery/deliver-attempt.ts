/**
 * One attempt to deliver one message to its claimed recipients. Reads as its steps: check the
 * message's lifetime, route, wait for a session slot, check the server's rest and quota, build
 * the bytes (From rewriting, DKIM signing), send, judge the answers. Each step that stops the
 * attempt returns its outcome.
 */
import type { Clock } from '../lib/clock.js';
import type { RetryConfig } from '../config/index.js';
import type { MessageRow, RecipientRow } from '../store/index.js';
import type { OutcomeRecord } from '../spool/index.js';
import { routeMessage } from '../servers/route-message.js';
import type { Lanes } from './lanes.js';
import { buildMessage } from './build-message.js';
import { judgeResult, type ServerRest } from './judge-result.js';
import { every } from './outcome-records.js';
import type { AnswerRule } from './classify-answer.js';
import type { SendingDomains } from '../domains/sending-domains.js';

export interface Attempt {
  message: MessageRow;
  raw: Buffer;
  recipients: RecipientRow[];
}

export interface AttemptContext {
  clock: Clock;
  lanes: Lanes;
  retry: RetryConfig;
  rules: readonly AnswerRule[];
  rest: ServerRest;
  domains: SendingDomains;
}

export async function deliverAttempt(ctx: AttemptContext, attempt: Attempt): Promise<OutcomeRecord[]> {
  const { message } = attempt;
  if (ctx.clock.now() >= message.expires_at) {
    return every(attempt, null, { kind: 'expired', answer: null, reason: 'message lifetime ended before it could be delivered' });
  }

  const route = routeMessage(ctx.lanes.servers(), routingSettings(ctx.lanes), message.from_address, message.requested_server_id);
  if (route.kind === 'none') return every(attempt, null, { kind: 'failed', answer: null, reason: route.reason });
  const lane = ctx.lanes.lane(route.server.id);

  const release = await lane.gate.acquire();
  try {
    const now = ctx.clock.now();
    if (lane.server.pausedUntil && lane.server.pausedUntil > now) {
      return every(attempt, lane.server.id, { kind: 'held', until: lane.server.pausedUntil, reason: `server resting: ${lane.server.pauseReason ?? 'rate limited'}` });
    }
    const quota = lane.quota?.take(now, attempt.recipients.length);
    if (quota && !quota.ok) return every(attempt, lane.server.id, { kind: 'held', until: quota.until, reason: quota.reason });

    const built = await buildMessage({ domains: ctx.domains, settings: routingSettings(ctx.lanes), now }, attempt, route.rewrittenFrom);
    const result = await lane.transport.send({ from: built.envelopeFrom, to: attempt.recipients.map((r) => r.address) }, built.raw, { messageId: message.id });
    const records = await judgeResult({ ...ctx, lane }, attempt, result);
    const note = built.note;
    return note ? records.map((r) => ({ ...r, note })) : records;
  } finally {
    release();
  }
}

function routingSettings(lanes: Lanes) {
  const s = lanes.settings();
  return { domainAlias: s.domain_alias, defaultFrom: s.default_from };
}
