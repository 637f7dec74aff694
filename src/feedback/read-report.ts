/**
 * Reads a message that came back to us — a bounce, a complaint, an auto-reply or a delivery
 * report — into one FeedbackReport. The machine-readable forms are tried first, as they say
 * exactly who and what (ARF, Amazon SES JSON, RFC 3464 DSN); then auto-replies; then the bounces
 * written only for people; whatever is left is `unknown`.
 */
import type { BounceRule } from './bounce-rules.js';
import { looksLikeBounce, saysUndeliverable } from './bounce-signs.js';
import { bounceRow } from './bounce-row.js';
import { isAutoReply } from './auto-reply.js';
import { unquote } from './human-bounce.js';
import { openReport, type ReportParts } from './open-report.js';
import { messageIdOf, readOriginal, splitAtCopy, type OriginalMessage } from './original-message.js';
import { readArf, readJmrp, type Complaint } from './parse-arf.js';
import { dsnEnvelopeFrom } from './parse-dsn.js';
import { bounceFromDsn, bounceFromText, humanRecipients, type BounceInput } from './read-bounce.js';
import { cleanAddress } from './report-fields.js';
import { readSesNotification } from './ses-notification.js';
import type { FeedbackRecipient, FeedbackReport } from './types.js';

export async function readFeedback(raw: Buffer, rules: readonly BounceRule[]): Promise<FeedbackReport> {
  const parts = await openReport(raw);
  const { report: reportText, copy } = splitAtCopy(unquote(parts.text));
  const original = readOriginal(parts.original) ?? readOriginal(copy);
  const input: BounceInput = { parts, reportText, original, base: baseReport(parts, original) };

  const complaint = complaintReport(input);
  if (complaint) return complaint;
  const forwarded = forwardedReport(parts, original, copy);
  if (forwarded) return readFeedback(forwarded, rules);
  const ses = sesReport(input, rules);
  if (ses) return ses;
  const human = humanRecipients(input);
  return bounceFromDsn(input, human, rules) ?? autoReply(input) ?? bounceFromText(input, human, rules) ?? { ...input.base, kind: 'unknown', recipients: [emptyRow(null)] };
}

/** ARF (RFC 5965) or Microsoft JMRP. */
function complaintReport({ parts, original, base }: BounceInput): FeedbackReport | null {
  const found: Complaint | null = parts.feedbackReport !== null ? readArf(parts.feedbackReport, original) : readJmrp(original);
  if (!found) return null;
  return {
    ...base,
    kind: 'complaint',
    recipients: found.recipients.length ? found.recipients.map(complaintRow) : [complaintRow(null)],
    feedbackType: found.feedbackType,
    sourceIp: found.sourceIp,
    reportedDomain: found.reportedDomain,
    originalMessageId: base.originalMessageId ?? found.messageId,
    originalEnvelopeFrom: found.envelopeFrom ?? base.originalEnvelopeFrom,
  };
}

/** A report forwarded (attached, or pasted below a note) by a person or a relay: that report's bytes. */
function forwardedReport(parts: ReportParts, original: OriginalMessage | null, copy: string | null): Buffer | null {
  const forwarded = parts.original ?? copy;
  if (parts.deliveryStatus || !forwarded || !original) return null;
  const isReport = /multipart\/report/i.test(original.headers['content-type'] ?? '') || (/\bmailer-daemon\b/i.test(original.headers['from'] ?? '') && saysUndeliverable(forwarded));
  return isReport ? Buffer.from(forwarded) : null;
}

function sesReport(input: BounceInput, rules: readonly BounceRule[]): FeedbackReport | null {
  const ses = readSesNotification(input.parts.text);
  if (!ses?.rows.length) return null;
  const recipients = ses.kind === 'complaint' ? ses.rows.map((row) => complaintRow(row.recipient)) : ses.rows.map((row) => bounceRow(rules, row, null));
  const { base } = input;
  return { ...base, kind: ses.kind, recipients, feedbackType: ses.feedbackType, originalHeaders: ses.headers ?? base.originalHeaders, originalMessageId: ses.messageId ?? base.originalMessageId, originalEnvelopeFrom: ses.source ?? base.originalEnvelopeFrom };
}

/** An auto-reply names the person who is away: its sender; In-Reply-To names our message. */
function autoReply({ parts, reportText, base }: BounceInput): FeedbackReport | null {
  if (looksLikeBounce(parts, reportText) || !isAutoReply(parts)) return null;
  const recipient = parts.from ? cleanAddress(parts.from) : null;
  return { ...base, kind: 'auto-reply', recipients: [{ ...emptyRow(recipient), reason: 'vacation' }], originalMessageId: base.originalMessageId ?? messageIdOf(parts.headers.get('in-reply-to')) };
}

function baseReport(parts: ReportParts, original: OriginalMessage | null): FeedbackReport {
  return {
    kind: 'unknown',
    recipients: [],
    originalMessageId: original?.messageId ?? null,
    originalHeaders: original?.headers ?? null,
    originalEnvelopeFrom: original?.envelopeFrom ?? (parts.deliveryStatus ? dsnEnvelopeFrom(parts.deliveryStatus) : null),
    feedbackType: null,
    sourceIp: null,
    reportedDomain: null,
    subject: parts.subject,
  };
}

/** A complaint says nothing wrong with the address: soft, reason `feedback`. */
function complaintRow(recipient: string | null): FeedbackRecipient {
  return { ...emptyRow(recipient), reason: 'feedback' };
}

function emptyRow(recipient: string | null): FeedbackRecipient {
  return { recipient, reason: 'undefined', hard: false, status: null, code: null, diagnostic: null, action: null, remoteMta: null };
}
