/**
 * Complaint reports. ARF (RFC 5965): a message/feedback-report part whose fields (§3.1-§3.3) say
 * what kind of feedback it is and what the reporter knows of the original, next to a copy of the
 * original. Microsoft's JMRP sends no such part, only the original with the complaining
 * recipient in `X-HmXmrOriginalRecipient`; it is read as an `abuse` report.
 */
import { addressOf, cleanAddress, fieldValue, fieldValues, parseFieldGroups } from './report-fields.js';
import { messageIdOf, type OriginalMessage } from './original-message.js';

export interface Complaint {
  feedbackType: string;
  recipients: string[];
  envelopeFrom: string | null;
  sourceIp: string | null;
  reportedDomain: string | null;
  /** The reporter's own Original-Message-ID field, which some send beside (or instead of) the copy. */
  messageId: string | null;
}

const IP = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-f:]*:[0-9a-f:.]+)$/i;

export function readArf(report: string, original: OriginalMessage | null): Complaint {
  const fields = parseFieldGroups(report).flat();
  const rcptTo = fieldValues(fields, 'original-rcpt-to').map((value) => addressOf(value)).filter((a): a is string => Boolean(a));
  const sourceIp = fieldValue(fields, 'source-ip')?.split(/[\s()[\]]+/).find((token) => IP.test(token)) ?? null;
  return {
    // §3.5: the type is case-insensitive; lower case is how the registry spells it.
    feedbackType: fieldValue(fields, 'feedback-type')?.toLowerCase() ?? 'other',
    recipients: rcptTo.length ? unique(rcptTo) : recipientsOf(original),
    envelopeFrom: addressOf(fieldValue(fields, 'original-mail-from')) ?? original?.envelopeFrom ?? null,
    sourceIp,
    reportedDomain: fieldValue(fields, 'reported-domain')?.toLowerCase() ?? null,
    messageId: messageIdOf(fieldValue(fields, 'original-message-id')),
  };
}

/** A JMRP report: the original alone, naming the complaining recipient in its own header. */
export function readJmrp(original: OriginalMessage | null): Complaint | null {
  const recipient = original?.headers['x-hmxmroriginalrecipient'];
  if (!recipient) return null;
  return {
    feedbackType: 'abuse',
    recipients: [cleanAddress(recipient)],
    envelopeFrom: original.envelopeFrom,
    sourceIp: null,
    reportedDomain: null,
    messageId: null,
  };
}

/** The original's To addresses, when the report does not name the recipient itself. */
function recipientsOf(original: OriginalMessage | null): string[] {
  const to = original?.headers['to'];
  if (!to) return [];
  return unique(to.split(',').map(cleanAddress).filter((address) => address.includes('@')));
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
