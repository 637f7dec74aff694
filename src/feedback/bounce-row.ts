/**
 * One failed (or delivered) recipient of a report, classified. What the machine-readable part
 * says comes first; when it names a reason only through a status code (or not at all), the
 * human-readable text about the same recipient is read as well, since MTAs often say more there
 * (Exim's "retry timeout exceeded" behind a bare `Status: 5.0.0`).
 */
import type { BounceRule, ReasonRule } from './bounce-rules.js';
import { judgeBounce } from './judge-bounce.js';
import { findStage } from './smtp-stage.js';
import { findReplyCode, findStatus, withoutRepeatedCode } from './status-codes.js';
import type { FeedbackRecipient } from './types.js';

export interface RowFacts {
  recipient: string | null;
  action: string | null;
  status: string | null;
  code: number | null;
  diagnostic: string | null;
  remoteMta: string | null;
}

const MAX_DIAGNOSTIC = 500;

/**
 * `moreText` is read when the facts alone name no reason by their words; `stageText` is where the
 * SMTP command the failure answered may be told (the recipient's own lines, not a whole report).
 */
export function bounceRow(rules: readonly BounceRule[], facts: RowFacts, moreText: string | null, stageText: string | null = moreText): FeedbackRecipient {
  const stage = findStage([facts.diagnostic, stageText].filter(Boolean).join('\n'));
  let verdict = judgeBounce(rules, { ...facts, stage });
  if (moreText && verdict.reason !== 'delivered' && !decisive(verdict.rule)) {
    const wider = judgeBounce(rules, { ...facts, stage, diagnostic: [facts.diagnostic, moreText].filter(Boolean).join('\n') });
    if (decisive(wider.rule)) verdict = wider;
  }
  const text = facts.diagnostic ?? moreText ?? '';
  return {
    recipient: facts.recipient,
    reason: verdict.reason,
    hard: verdict.hard,
    status: facts.status ?? findStatus(text),
    code: facts.code ?? findReplyCode(text),
    diagnostic: oneLine(facts.diagnostic ?? moreText),
    action: facts.action,
    remoteMta: facts.remoteMta,
  };
}

/** A rule that named the reason by specific words, not by a status code or a broad word. */
function decisive(rule: ReasonRule | null): boolean {
  return Boolean(rule?.text && !rule.weak);
}

/** Facts read out of free text: the codes it carries and the text itself. */
export function textFacts(recipient: string | null, text: string): RowFacts {
  return { recipient, action: null, status: findStatus(text), code: findReplyCode(text), diagnostic: text, remoteMta: null };
}

/** A diagnostic on one line, from the reply code on when the text has one, at most 500 chars. */
export function oneLine(text: string | null): string | null {
  if (!text) return null;
  const flat = withoutRepeatedCode(text.replace(/\s+/g, ' ').trim());
  const reply = /(?<![\w.])[245][0-5]\d[ -]/.exec(flat);
  const from = reply && reply.index < flat.length - 4 ? flat.slice(reply.index) : flat;
  return (from.length > MAX_DIAGNOSTIC ? `${from.slice(0, MAX_DIAGNOSTIC - 1)}…` : from) || null;
}
