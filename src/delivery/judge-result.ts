/**
 * What a transport's answer means for each recipient:
 *   accepted                         → delivered
 *   refused, slow-down or pause      → held, and the server (or the destination) is throttled
 *                                      as the rule says (no attempt spent)
 *   refused, temporary (4xx)         → deferred with backoff, or expired past the lifetime
 *   refused, permanent (5xx)         → failed, with the bounce reason the bounce rules give it
 *   session trouble with such answer → held, throttled likewise (a 421 pauses)
 *   other session trouble            → deferred (connect, TLS, auth, dropped connection); a
 *                                      connection or TLS failure counts against the server's health
 *   throttled by the transport       → held until then (a destination paused, a grant revoked)
 */
import type { Clock } from '../lib/clock.js';
import type { RetryConfig } from '../config/index.js';
import type { SmtpAnswer } from '../lib/smtp-answer.js';
import { formatSmtpAnswer } from '../lib/smtp-answer.js';
import { retryDelay, type Outcome, type OutcomeRecord } from '../spool/index.js';
import type { SendResult } from '../transports/index.js';
import { isThrottle, readAnswer, type AnswerRule } from './classify-answer.js';
import type { Lane } from './lanes.js';
import type { Attempt } from './deliver-attempt.js';
import { outcomeFor } from './outcome-records.js';
import { classifyBounce, type BounceRule } from '../feedback/bounce-rules.js';
import type { ProviderThrottles } from './provider-throttles.js';
import type { ServerHealth } from './server-health.js';

export interface JudgeContext {
  clock: Clock;
  retry: RetryConfig;
  rules: readonly AnswerRule[];
  bounceRules: readonly BounceRule[];
  throttles: ProviderThrottles;
  health: ServerHealth;
  lane: Lane;
}

export async function judgeResult(ctx: JudgeContext, attempt: Attempt, result: SendResult): Promise<OutcomeRecord[]> {
  const serverId = ctx.lane.server.id;
  const record = (r: Attempt['recipients'][number], outcome: Outcome): OutcomeRecord => outcomeFor(r, serverId, outcome);

  if (result.kind === 'throttled') {
    return attempt.recipients.map((r) => record(r, { kind: 'held', until: result.until, reason: result.reason }));
  }

  if (result.kind === 'trouble') {
    const reason = `${result.stage}: ${result.detail}`;
    const verdict = result.answer ? readAnswer(ctx.rules, result.answer) : null;
    const answerClass = verdict?.answerClass;
    if (verdict && answerClass && isThrottle(answerClass)) {
      const until = await ctx.throttles.answered(ctx.lane, result.destination, { answerClass, durationMs: verdict.durationMs, reason });
      const why = heldReason(answerClass, result.destination, reason);
      return attempt.recipients.map((r) => record(r, { kind: 'held', until, reason: why }));
    }
    await ctx.health.trouble(ctx.lane, result);
    return attempt.recipients.map((r) => record(r, deferOrExpire(ctx, attempt, r.attempts, result.answer, reason)));
  }

  await ctx.health.opened(ctx.lane);
  const byAddress = new Map(result.recipients.map((a) => [a.address, a]));
  let heldUntil: number | null = null;
  const records: OutcomeRecord[] = [];
  for (const r of attempt.recipients) {
    const answer = byAddress.get(r.address);
    if (answer?.accepted) {
      records.push(record(r, { kind: 'delivered', answer: answer.answer }));
      continue;
    }
    const smtp = answer?.answer ?? null;
    const reason = smtp ? formatSmtpAnswer(smtp) : 'refused without an answer';
    const verdict = smtp ? readAnswer(ctx.rules, smtp) : { answerClass: 'temporary' as const, durationMs: null };
    const answerClass = verdict.answerClass;
    if (isThrottle(answerClass)) {
      heldUntil ??= await ctx.throttles.answered(ctx.lane, result.destination, { answerClass, durationMs: verdict.durationMs, reason });
      records.push(record(r, { kind: 'held', until: heldUntil, reason: heldReason(answerClass, result.destination, reason) }));
    } else if (answerClass === 'permanent') {
      // Read like any bounce, so a 550 "no such user" suppresses the address as a DSN would.
      const bounce = smtp ? classifyBounce(ctx.bounceRules, { status: smtp.enhanced, code: smtp.code, diagnostic: smtp.text, stage: answer?.stage?.toUpperCase() ?? null }) : null;
      records.push(record(r, { kind: 'failed', answer: smtp, reason, ...(bounce ? { bounce: { reason: bounce.reason, hard: bounce.hard } } : {}) }));
    } else {
      records.push(record(r, deferOrExpire(ctx, attempt, r.attempts, smtp, reason)));
    }
  }
  if (records.some((x) => x.outcome.kind === 'delivered')) await ctx.throttles.delivered(ctx.lane, result.destination);
  return records;
}

function heldReason(answerClass: 'slow-down' | 'pause', destination: string | undefined, reason: string): string {
  const who = destination === undefined ? 'server' : `destination ${destination}`;
  return answerClass === 'pause' ? `${who} resting: ${reason}` : `${who} slowing down: ${reason}`;
}

function deferOrExpire(ctx: JudgeContext, attempt: Attempt, attempts: number, answer: SmtpAnswer | null, reason: string): Outcome {
  const retryAt = ctx.clock.now() + retryDelay(attempts + 1, ctx.retry);
  if (retryAt >= attempt.message.expires_at) {
    return { kind: 'expired', answer, reason: `gave up after ${attempts + 1} attempts: ${reason}` };
  }
  return { kind: 'deferred', answer, reason, retryAt };
}
