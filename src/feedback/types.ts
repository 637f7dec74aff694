/**
 * What a bounce, complaint or auto-reply says about a message we sent: the vocabulary of
 * `src/feedback/`. Reasons follow sisimai's taxonomy (https://libsisimai.org/en/reason/), which
 * names what went wrong rather than how the reporting MTA happened to word it.
 */

export type FeedbackKind = 'bounce' | 'complaint' | 'auto-reply' | 'delivered' | 'unknown';

export type BounceReason =
  | 'userunknown'
  | 'hostunknown'
  | 'mailboxfull'
  | 'filtered'
  | 'rejected'
  | 'blocked'
  | 'spamdetected'
  | 'policyviolation'
  | 'expired'
  | 'suspend'
  | 'hasmoved'
  | 'norelaying'
  | 'systemerror'
  | 'networkerror'
  | 'securityerror'
  | 'mesgtoobig'
  | 'exceedlimit'
  | 'toomanyconn'
  | 'authfailure'
  | 'requireptr'
  | 'badreputation'
  | 'speeding'
  | 'notaccept'
  | 'syntaxerror'
  | 'contenterror'
  | 'mailererror'
  | 'virusdetected'
  | 'onhold'
  | 'systemfull'
  | 'notcompliantrfc'
  | 'feedback'
  | 'vacation'
  | 'delivered'
  | 'undefined';

export interface FeedbackRecipient {
  /** Final (or original) recipient address, lower-cased, without angle brackets. */
  recipient: string | null;
  reason: BounceReason;
  /** A hard bounce: the address itself is at fault and should be suppressed. */
  hard: boolean;
  /** Enhanced status code (RFC 3463), "5.1.1". */
  status: string | null;
  /** SMTP reply code (RFC 5321 §4.2), 550. */
  code: number | null;
  /** The diagnostic text on one line, trimmed, at most 500 characters. */
  diagnostic: string | null;
  /** DSN Action (RFC 3464 §2.3.3): failed, delayed, delivered, relayed, expanded. */
  action: string | null;
  remoteMta: string | null;
}

export interface FeedbackReport {
  kind: FeedbackKind;
  /** At least one row; an `unknown` report has one with recipient null and reason `undefined`. */
  recipients: FeedbackRecipient[];
  /** Message-ID of the original message, without angle brackets. */
  originalMessageId: string | null;
  /** The embedded original's headers, lower-cased names, first occurrence of each. */
  originalHeaders: Record<string, string> | null;
  /** The original's envelope sender, as the report gives it (ARF Original-Mail-From, Return-Path). */
  originalEnvelopeFrom: string | null;
  /** ARF Feedback-Type (RFC 5965 §3.5): abuse, fraud, virus, other, not-spam, auth-failure… */
  feedbackType: string | null;
  /** ARF Source-IP. */
  sourceIp: string | null;
  /** ARF Reported-Domain. */
  reportedDomain: string | null;
  /** The report's own Subject. */
  subject: string | null;
}

/** What a bounce says about one recipient, before classification. */
export interface BounceFacts {
  status: string | null;
  code: number | null;
  diagnostic: string | null;
  /** DSN Action; `delayed` with no other cause reads as `expired`, delivered/relayed/expanded as `delivered`. */
  action?: string | null;
  /** The SMTP command the answer replied to (CONNECT, EHLO, MAIL, RCPT, DATA), when known. */
  stage?: string | null;
}
