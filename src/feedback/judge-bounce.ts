/**
 * Applying the bounce rules, in the order `rules/bounces.txt` describes: a DSN action or 2.x.x
 * status that reports success first; then the first REASON line whose code, status and words all
 * match; then the `at STAGE` lines for the SMTP command the answer replied to; then hard or soft.
 */
import type { BounceRule, ReasonRule } from './bounce-rules.js';
import { findReplyCode, findStatus, withoutRepeatedCode } from './status-codes.js';
import type { BounceFacts, BounceReason } from './types.js';

const ADDRESS = /[^\s<>()"',;:]+@[\w.-]+\w/g;
const GENERIC_STATUS = /^\d\.0\.0$/;

export interface Judgement {
  reason: BounceReason;
  hard: boolean;
  /** The rule that named the reason, null when none did. */
  rule: ReasonRule | null;
}

/** classifyBounce with the rule itself, which the report readers ask whether it matched on words. */
export function judgeBounce(rules: readonly BounceRule[], facts: BounceFacts): Judgement {
  // Addresses are names, not wording: "<this-message-rejected@example.com>" says nothing.
  const text = withoutRepeatedCode((facts.diagnostic ?? '').replace(ADDRESS, '<@>').replace(/\s+/g, ' ').trim());
  // A generic status (5.0.0, or none) says less than the code the text itself carries.
  const given = facts.status && !GENERIC_STATUS.test(facts.status) ? facts.status : null;
  const status = given ?? findStatus(text) ?? facts.status;
  const code = facts.code ?? findReplyCode(text);
  const statusClass = status?.[0] ?? (code ? String(code)[0] : null) ?? null;
  // RFC 3464 §2.3.3: these actions report success, whatever else the report says.
  if (/^(delivered|relayed|expanded)$/i.test(facts.action ?? '') || statusClass === '2') {
    return { reason: 'delivered', hard: false, rule: null };
  }
  const rule = matchReason(rules, code === null ? null : String(code), status, text);
  // A "delayed" report that names no cause says only that time is running out (RFC 3464 §2.3.3).
  const found = rule?.reason ?? (/^delayed$/i.test(facts.action ?? '') ? 'expired' : 'undefined');
  const reason = facts.stage ? atStage(rules, facts.stage.toUpperCase(), status, found) : found;
  return { reason, hard: isHard(rules, reason, statusClass), rule };
}

/** The first reason rule whose code, status and text all match. */
function matchReason(rules: readonly BounceRule[], code: string | null, status: string | null, text: string): ReasonRule | null {
  for (const rule of rules) {
    if (rule.kind !== 'reason') continue;
    if (rule.code && !(code && rule.code.test(code))) continue;
    if (rule.enhanced && !(status && rule.enhanced.test(status))) continue;
    if (rule.text && !rule.text.test(text)) continue;
    return rule;
  }
  return null;
}

function atStage(rules: readonly BounceRule[], stage: string, status: string | null, reason: BounceReason): BounceReason {
  for (const rule of rules) {
    if (rule.kind !== 'stage' || rule.stage !== stage || rule.reason !== reason) continue;
    const listed = rule.enhanced ? Boolean(status && rule.enhanced.test(status)) : true;
    if (listed !== rule.negate) return rule.becomes;
  }
  return reason;
}

function isHard(rules: readonly BounceRule[], reason: BounceReason, statusClass: string | null): boolean {
  for (const rule of rules) {
    if (rule.kind !== 'hardness' || rule.reason !== reason) continue;
    if (rule.statusClass && rule.statusClass !== statusClass) continue;
    return rule.hard;
  }
  return false;
}
