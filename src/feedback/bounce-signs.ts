/**
 * Whether a message without a machine-readable part is a bounce at all: sent by the mail system
 * (RFC 5321 §4.5.5 bounces come from MAILER-DAEMON or postmaster with a null return path), with
 * the subjects and opening sentences MTAs give their non-delivery reports.
 */
import type { ReportParts } from './open-report.js';

const SYSTEM_SENDER = /^(mailer-daemon|postmaster|post_master|mail-?daemon|mailadmin)(@|$)|^(mail delivery (system|subsystem)|mail administrator|system administrator)$/i;

const BOUNCE_SUBJECT = new RegExp(
  [
    'undeliver', 'undelivered', 'not delivered', 'non[- ]?deliver', 'delivery (status notification|failure|failed|problem|has failed|notification)',
    'failure notice', 'returned mail', 'returning message', 'mail delivery failed', 'could not be delivered', 'mail system error',
    'delivery failure', 'mail failure', 'failed delivery', 'warning: message .* delayed', 'delayed mail', 'unzustellbar',
    'non remis', 'no se puede entregar', 'returned to sender', 'email delivery failure', 'error sending your (mail|message)',
  ].join('|'),
  'i',
);

const BOUNCE_TEXT = new RegExp(
  [
    'qmail-send program', 'created automatically by mail delivery software', 'could not be delivered', 'delivery has failed',
    'undeliverable', 'did not reach the following', 'permanent fatal errors', 'delivery to the following recipients?',
    'error (has occurred while attempting to deliver|delivering your mail)', 'transcript of session follows',
    'following (addresses|recipients) (had|were|did|was)', 'unable to deliver', 'was not delivered', 'failed to deliver',
    'delivery failed', 'could not deliver', 'message is delayed', 'has not yet been delivered', 'permanent error',
    'rejected by (a|the) (remote|recipient)', 'not a member of this (mailing )?list', 'trouble delivering your message',
  ].join('|'),
  'i',
);

export function looksLikeBounce(parts: ReportParts, reportText: string): boolean {
  const from = parts.from ?? '';
  const name = /^"?([^"<]*)/.exec(parts.headers.get('from') ?? '')?.[1]?.trim() ?? '';
  if (SYSTEM_SENDER.test(from) || SYSTEM_SENDER.test(name)) return true;
  if (parts.subject && BOUNCE_SUBJECT.test(parts.subject)) return true;
  return saysUndeliverable(reportText);
}

/** Whether the text says, in the words MTAs use, that a message could not be delivered. */
export function saysUndeliverable(text: string): boolean {
  return BOUNCE_TEXT.test(text);
}
