/**
 * Finding the codes in what an MTA wrote: the enhanced status code (RFC 3463 §2, `class.subject.
 * detail`) and the SMTP reply code (RFC 5321 §4.2, three digits, second one 0-5).
 */
import type { BounceReason } from './types.js';

export const BOUNCE_REASONS: readonly BounceReason[] = [
  'userunknown', 'hostunknown', 'mailboxfull', 'filtered', 'rejected', 'blocked', 'spamdetected',
  'policyviolation', 'expired', 'suspend', 'hasmoved', 'norelaying', 'systemerror', 'networkerror',
  'securityerror', 'mesgtoobig', 'exceedlimit', 'toomanyconn', 'authfailure', 'requireptr',
  'badreputation', 'speeding', 'notaccept', 'syntaxerror', 'contenterror', 'mailererror',
  'virusdetected', 'onhold', 'systemfull', 'notcompliantrfc', 'feedback', 'vacation', 'delivered',
  'undefined',
];

const REASONS = new Set<string>(BOUNCE_REASONS);

export function isBounceReason(word: string): word is BounceReason {
  return REASONS.has(word);
}

// Not part of an IP address or version number: "10.5.1.1" and "v2.4.5" hold no status code.
const STATUS_ALL = /(?<![\w.])([245]\.\d{1,3}\.\d{1,3})(?!\d|\.\d)/g;
const STATUS_EXACT = /^[245]\.\d{1,3}\.\d{1,3}$/;
const LEADING_REPLY = /^\s*([245]\d\d)[- ](#?[245]\.\d{1,3}\.\d{1,3} )?/;
const INNER_REPLY = /\s([245]\d\d)[- ](#?[245]\.\d{1,3}\.\d{1,3} )?(?=\S)/g;
/** A reply code followed by an enhanced code ("550 5.1.1", "550-5.7.26"): the surest form. */
const CODE_WITH_STATUS = /(?<![\w.])([245][0-5]\d)[ -]#?[245]\.\d{1,3}\.\d{1,3}/g;
/** A reply code where MTAs put one: first in the text, or after "said:", "smtp;", "]:". */
const CODE_ALONE = /(?:^|[:;>\]]|\bsaid|\breply)\s*([245][0-5]\d)(?=[\s-]|$)/gm;

/**
 * The enhanced status code that says most: a failure (4 or 5) before a success (a transcript
 * often shows "250 2.1.5 Ok" before the failing answer), and a specific one before `x.0.0`.
 */
export function findStatus(text: string): string | null {
  let best: string | null = null;
  let bestScore = -1;
  for (const match of text.matchAll(STATUS_ALL)) {
    const status = match[1]!;
    const score = (status[0] === '2' ? 0 : 2) + (status.endsWith('.0.0') ? 0 : 1);
    if (score > bestScore) [best, bestScore] = [status, score];
    if (score === 3) break;
  }
  return best;
}

/** The first failure reply code (4xx, 5xx) in the text, else the first success code. */
export function findReplyCode(text: string): number | null {
  let success: number | null = null;
  for (const pattern of [CODE_WITH_STATUS, CODE_ALONE]) {
    for (const match of text.matchAll(pattern)) {
      const code = Number(match[1]);
      if (code >= 400) return code;
      success ??= code;
    }
  }
  return success;
}

/**
 * RFC 5321 §4.2.1 multiline replies folded into one line ("550-5.7.1 Messages with multiple
 * 550-5.7.1 addresses…") read as one sentence once the code repeated inside it is dropped.
 */
export function withoutRepeatedCode(text: string): string {
  const lead = LEADING_REPLY.exec(text);
  if (!lead) return text;
  const same = (match: string, code: string, status: string | undefined) => (code === lead[1] && status === lead[2] ? ' ' : match);
  return lead[0] + text.slice(lead[0].length).replace(INNER_REPLY, same);
}

/** Whether `status` (RFC 3463) is well formed: class 2, 4 or 5 and two numbers. */
export function isStatus(value: string): boolean {
  return STATUS_EXACT.test(value);
}
