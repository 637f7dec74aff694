/**
 * Bounces: the rows of a DSN (RFC 3464), or of one written only for people. Each DSN row is
 * read with the human-readable lines about the same recipient beside it, which often say more
 * than the Diagnostic-Code; a human-readable bounce gives its recipients and their lines alone.
 */
import type { BounceRule } from './bounce-rules.js';
import { looksLikeBounce } from './bounce-signs.js';
import { bounceRow, textFacts } from './bounce-row.js';
import { addressesIn, readHumanBounce, type HumanRecipient } from './human-bounce.js';
import type { ReportParts } from './open-report.js';
import type { OriginalMessage } from './original-message.js';
import { parseDsn } from './parse-dsn.js';
import type { FeedbackReport } from './types.js';

export interface BounceInput {
  parts: ReportParts;
  /** The human-readable text, without the returned copy of the original. */
  reportText: string;
  original: OriginalMessage | null;
  base: FeedbackReport;
}

/** The report's human-readable recipients and their lines. */
export function humanRecipients(input: BounceInput): HumanRecipient[] {
  return readHumanBounce(input.reportText, senderAddresses(input.parts, input.original));
}

/** A DSN's rows: from its delivery-status part, or from the same fields pasted into the text. */
export function bounceFromDsn(input: BounceInput, human: HumanRecipient[], rules: readonly BounceRule[]): FeedbackReport | null {
  const dsn = parseDsn(input.parts.deliveryStatus ?? '');
  const rows = dsn.length ? dsn : parseDsn(input.reportText).filter((row) => row.status || row.action);
  if (!rows.length) return null;
  const recipients = rows.map((row, i) => {
    const lines = human.find((h) => h.recipient === row.recipient) ?? (rows.length === 1 ? human[0] : undefined);
    // With no lines of its own, a lone recipient's text is the whole report.
    const more = lines?.text ?? (i === 0 && !human.length ? input.reportText : null);
    return bounceRow(rules, { ...row, recipient: row.recipient ?? lines?.recipient ?? null }, more);
  });
  return { ...input.base, kind: recipients.every((r) => r.reason === 'delivered') ? 'delivered' : 'bounce', recipients };
}

/** A bounce with no machine-readable part, when the message reads as one. */
export function bounceFromText(input: BounceInput, human: HumanRecipient[], rules: readonly BounceRule[]): FeedbackReport | null {
  const { parts, reportText, original } = input;
  if (!looksLikeBounce(parts, reportText)) return null;
  // Exim and Gmail name the failed recipients in X-Failed-Recipients; that beats reading the text.
  const failed = addressesIn(parts.headers.get('x-failed-recipients') ?? '', new Set());
  const blocks = failed.length
    ? failed.map((recipient) => human.find((h) => h.recipient === recipient) ?? { recipient, text: reportText })
    : human.length
      ? human
      : [{ recipient: fallbackRecipient(reportText, senderAddresses(parts, original), original), text: reportText }];
  // The opening sentences ("message has been in the queue too long") help when a recipient's own lines name no cause.
  const preamble = reportText.slice(0, 2000);
  return { ...input.base, kind: 'bounce', recipients: blocks.map((block) => bounceRow(rules, textFacts(block.recipient, block.text), preamble, null)) };
}

/** Addresses a report names that are the sender's, not a failed recipient's. */
function senderAddresses(parts: ReportParts, original: OriginalMessage | null): Set<string> {
  const headers = original?.headers ?? {};
  const values = [parts.headers.get('to'), parts.headers.get('from'), parts.headers.get('return-path'), headers['from'], headers['return-path'], headers['sender'], headers['reply-to']];
  const senders = new Set(values.flatMap((value) => (value ? addressesIn(value, new Set()) : [])));
  for (const address of addressesIn(`${headers['to'] ?? ''} ${headers['cc'] ?? ''}`, new Set())) senders.delete(address);
  return senders;
}

/** For a bounce that names no recipient clearly: the first address it mentions, else the original's To. */
function fallbackRecipient(text: string, notRecipients: Set<string>, original: OriginalMessage | null): string | null {
  return addressesIn(text, notRecipients)[0] ?? addressesIn(original?.headers['to'] ?? '', new Set())[0] ?? null;
}
