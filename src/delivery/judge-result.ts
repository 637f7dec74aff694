/**
 * What a transport's answer means for each recipient:
 *   accepted                         → delivered
 *   refused, rate-limit class        → held, and the server rests (no attempt spent)
 *   refused, temporary (4xx)         → deferred with backoff, or expired past the lifetime
 *   refused, permanent (5xx)         → failed, with the bounce reason the bounce rules give it
 *   session trouble with a 421       → held, and the server rests
 *   other session trouble            → deferred (connect, TLS, auth, dropped connection)
 */
import type { Clock } from '../lib/clock.js';
import type { RetryConfig } from '../config/index.js';
import type { SmtpAnswer } from '../lib/smtp-answer.js';
import { formatSmtpAnswer } from '../lib/smtp-answer.js';
import { retryDelay, type Outcome, type OutcomeRecord } from '../spool/index.js';
import type { SendResult } from '../transports/index.js';
import { classifyAnswer, type AnswerRule } from './classify-answer.js';
import type { Lane } from './lanes.js';
import type { Attempt } from './deliver-attempt.js';
import { outcomeFor } from './outcome-records.js';
import { classifyBounce, type BounceRule } from '../feedback/bounce-rules.js';

/** Puts a server to rest after a rate-limit answer, and wakes it after a success. */
export interface ServerRest {
  rest(lane: Lane, reason: string): Promise<number>;
  recovered(lane: Lane): Promise<void>;
}

export interface JudgeContext {
  clock: Clock;
  retry: RetryConfig;
  rules: readonly AnswerRule[];
  bounceRules: readonly BounceRule[];
  rest: ServerRest;
  lane: Lane;
}

export async function judgeResult(ctx: JudgeContext, attempt: Attempt, result: SendResult): Promise<OutcomeRecord[]> {
  const serverId = ctx.lane.server.id;
  const record = (r: Attempt['recipients'][number], outcome: Outcome): OutcomeRecord => outcomeFor(r, serverId, outcome);

  if (result.kind === 'trouble') {
    const reason = `${result.stage}: ${result.detail}`;
    if (result.answer && classifyAnswer(ctx.rules, result.answer) === 'rate-limit') {
      const until = await ctx.rest.rest(ctx.lane, reason);
      return attempt.recipients.map((r) => record(r, { kind: 'held', until, reason: `server resting: ${reason}` }));
    }
    return attempt.recipients.map((r) => record(r, deferOrExpire(ctx, attempt, r.attempts, result.answer, reason)));
  }

  const byAddress = new Map(result.recipients.map((a) => [a.address, a]));
  let restUntil: number | null = null;
  const records: OutcomeRecord[] = [];
  for (const r of attempt.recipients) {
    const answer = byAddress.get(r.address);
    if (answer?.accepted) {
      records.push(record(r, { kind: 'delivered', answer: answer.answer }));
      continue;
    }
    const smtp = answer?.answer ?? null;
    const reason = smtp ? formatSmtpAnswer(smtp) : 'refused without an answer';
    const answerClass = smtp ? classifyAnswer(ctx.rules, smtp) : 'temporary';
    if (answerClass === 'rate-limit') {
      restUntil ??= await ctx.rest.rest(ctx.lane, reason);
      records.push(record(r, { kind: 'held', until: restUntil, reason: `server resting: ${reason}` }));
    } else if (answerClass === 'permanent') {
      // Read like any bounce, so a 550 "no such user" suppresses the address as a DSN would.
      const bounce = smtp ? classifyBounce(ctx.bounceRules, { status: smtp.enhanced, code: smtp.code, diagnostic: smtp.text, stage: answer?.stage?.toUpperCase() ?? null }) : null;
      records.push(record(r, { kind: 'failed', answer: smtp, reason, ...(bounce ? { bounce: { reason: bounce.reason, hard: bounce.hard } } : {}) }));
    } else {
      records.push(record(r, deferOrExpire(ctx, attempt, r.attempts, smtp, reason)));
    }
  }
  if (records.some((x) => x.outcome.kind === 'delivered') && ctx.lane.server.pauseCount > 0) await ctx.rest.recovered(ctx.lane);
  return records;
}

function deferOrExpire(ctx: JudgeContext, attempt: Attempt, attempts: number, answer: SmtpAnswer | null, reason: string): Outcome {
  const retryAt = ctx.clock.now() + retryDelay(attempts + 1, ctx.retry);
  if (retryAt >= attempt.message.expires_at) {
    return { kind: 'expired', answer, reason: `gave up after ${attempts + 1} attempts: ${reason}` };
  }
  return { kind: 'deferred', answer, reason, retryAt };
}
