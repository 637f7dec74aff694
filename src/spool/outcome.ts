/**
 * How one attempt for one recipient ended. Every attempt ends in exactly one of these, and
 * record-outcomes.ts turns each into exactly one state transition and one event.
 *
 *   delivered  the server accepted the recipient                       → sent
 *   deferred   4xx or connection trouble: try again at `retryAt`        → deferred (attempt spent)
 *   failed     5xx, or nothing can deliver it (no route)                → failed
 *   expired    still undeliverable when the message's lifetime ran out  → failed
 *   held       not tried: the server is resting or over quota           → back to the queue (no attempt spent)
 *   suppressed not tried: the address is on the suppression list         → suppressed (no attempt spent)
 *
 * A failure the recipient's server gave (a 5xx) carries the bounce it amounts to — its reason in
 * sisimai's taxonomy and whether it is hard — so it counts, and suppresses, like a bounce
 * that comes back later as a DSN.
 */
import type { SmtpAnswer } from '../lib/smtp-answer.js';

export type Outcome =
  | { kind: 'delivered'; answer: SmtpAnswer | null }
  | { kind: 'deferred'; answer: SmtpAnswer | null; reason: string; retryAt: number }
  | { kind: 'failed'; answer: SmtpAnswer | null; reason: string; bounce?: BounceVerdict }
  | { kind: 'expired'; answer: SmtpAnswer | null; reason: string }
  | { kind: 'held'; reason: string; until: number }
  | { kind: 'suppressed'; reason: string };

export interface BounceVerdict {
  reason: string;
  hard: boolean;
}

export type OutcomeKind = Outcome['kind'];
