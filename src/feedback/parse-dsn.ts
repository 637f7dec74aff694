/**
 * Reads a delivery status notification's machine-readable part (RFC 3464 §2.2 per-message
 * fields, §2.3 per-recipient fields; RFC 6533 §3 for the UTF-8 form, whose `utf-8;` addresses
 * read the same way). Some MTAs paste the same fields into a text/plain part; this reads those too.
 */
import { addressOf, fieldValue, parseFieldGroups, withoutType, type FieldGroup } from './report-fields.js';
import { findReplyCode, findStatus, isStatus } from './status-codes.js';

export interface DsnRecipient {
  recipient: string | null;
  action: string | null;
  status: string | null;
  code: number | null;
  diagnostic: string | null;
  remoteMta: string | null;
}

const RECIPIENT_FIELDS = new Set(['final-recipient', 'original-recipient', 'x-actual-recipient']);

export function parseDsn(text: string): DsnRecipient[] {
  const rows: DsnRecipient[] = [];
  for (const group of parseFieldGroups(text).flatMap(splitRecipients)) {
    if (!group.some(([name]) => RECIPIENT_FIELDS.has(name))) continue;
    // §2.3.6: the type goes, except Sendmail's "X-Unix; 75": a local mailer's exit status, which
    // means nothing without it.
    const rawDiagnostic = fieldValue(group, 'diagnostic-code');
    const diagnostic = rawDiagnostic && !/^x-unix\s*;/i.test(rawDiagnostic) ? withoutType(rawDiagnostic) : rawDiagnostic;
    const statusField = fieldValue(group, 'status');
    // "Status: 5.1.1 (unknown user)" and "Status: 550 5.1.1" are both seen; keep the code only.
    const status = statusField ? (statusField.split(/\s+/).find(isStatus) ?? findStatus(statusField)) : null;
    rows.push({
      // §2.3.2: Final-Recipient is the one the reporting MTA tried; Original-Recipient is what we sent.
      recipient:
        addressOf(fieldValue(group, 'final-recipient')) ??
        addressOf(fieldValue(group, 'x-actual-recipient')) ??
        addressOf(fieldValue(group, 'original-recipient')),
      action: fieldValue(group, 'action')?.toLowerCase().split(/[\s(]/)[0] ?? null,
      status,
      code: diagnostic ? findReplyCode(diagnostic) : null,
      diagnostic,
      remoteMta: withoutType(fieldValue(group, 'remote-mta')),
    });
  }
  return rows;
}

/**
 * What the per-message fields (§2.2) say of the original's envelope sender: Postfix adds it as
 * `X-Postfix-Sender: rfc822; sender@example.com` (an X- field, as §2.4 allows).
 */
export function dsnEnvelopeFrom(text: string): string | null {
  for (const group of parseFieldGroups(text)) {
    const sender = addressOf(fieldValue(group, 'x-postfix-sender'));
    if (sender) return sender;
  }
  return null;
}

/** Some MTAs leave out the blank line between recipients: a second Final-Recipient starts one. */
function splitRecipients(group: FieldGroup): FieldGroup[] {
  const out: Array<Array<readonly [string, string]>> = [[]];
  let hasFinal = false;
  let hasOriginal = false;
  for (const entry of group) {
    const [name] = entry;
    const repeats = (name === 'final-recipient' && hasFinal) || (name === 'original-recipient' && hasOriginal);
    if (repeats) {
      out.push([]);
      hasFinal = false;
      hasOriginal = false;
    }
    if (name === 'final-recipient') hasFinal = true;
    if (name === 'original-recipient') hasOriginal = true;
    out[out.length - 1]!.push(entry);
  }
  return out;
}
