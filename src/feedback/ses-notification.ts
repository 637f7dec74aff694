/**
 * Amazon SES bounce, complaint and delivery notifications mailed through SNS: a JSON document
 * (https://docs.aws.amazon.com/ses/latest/dg/notification-contents.html), usually wrapped in an SNS
 * envelope whose `Message` is that document as a string. Mail transport may have folded its long
 * lines, so a line break followed by one space is undone before parsing.
 */
import { cleanAddress, withoutType } from './report-fields.js';
import { messageIdOf } from './original-message.js';
import { findReplyCode } from './status-codes.js';

export interface SesRow {
  recipient: string | null;
  action: string | null;
  status: string | null;
  code: number | null;
  diagnostic: string | null;
  remoteMta: string | null;
}

export interface SesNotification {
  kind: 'bounce' | 'complaint' | 'delivered';
  rows: SesRow[];
  headers: Record<string, string> | null;
  messageId: string | null;
  source: string | null;
  feedbackType: string | null;
}

type Json = Record<string, unknown>;
const object = (value: unknown): Json | null => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : null);
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const text = (value: unknown): string | null => (typeof value === 'string' && value ? value : null);

export function readSesNotification(body: string): SesNotification | null {
  const start = body.indexOf('{');
  const end = body.lastIndexOf('}');
  if (start < 0 || end < start || !/notificationType|eventType/.test(body)) return null;
  let event = parse(body.slice(start, end + 1).replace(/\r?\n (?! )/g, ''));
  const inner = text(event?.['Message']);
  if (inner) event = parse(inner);
  if (!event) return null;
  const type = text(event['notificationType']) ?? text(event['eventType']);
  const mail = object(event['mail']);
  const headers = mailHeaders(mail);
  const common = object(mail?.['commonHeaders']);
  const base = { headers, messageId: messageIdOf(headers?.['message-id'] ?? text(common?.['messageId'])), source: text(mail?.['source']) };
  if (type === 'Bounce') {
    const bounce = object(event['bounce']);
    const rows = list(bounce?.['bouncedRecipients']).map((item) => {
      const r = object(item);
      const diagnostic = withoutType(text(r?.['diagnosticCode']));
      return { recipient: address(r?.['emailAddress']), action: text(r?.['action']), status: text(r?.['status']), code: diagnostic ? findReplyCode(diagnostic) : null, diagnostic, remoteMta: withoutType(text(bounce?.['reportingMTA'])) };
    });
    return { kind: 'bounce', rows, feedbackType: null, ...base };
  }
  if (type === 'Complaint') {
    const complaint = object(event['complaint']);
    const rows = list(complaint?.['complainedRecipients']).map((item) => ({ ...empty, recipient: address(object(item)?.['emailAddress']) }));
    return { kind: 'complaint', rows, feedbackType: text(complaint?.['complaintFeedbackType'])?.toLowerCase() ?? 'abuse', ...base };
  }
  if (type === 'Delivery') {
    const delivery = object(event['delivery']);
    const response = text(delivery?.['smtpResponse']);
    const rows = list(delivery?.['recipients']).map((item) => ({ ...empty, recipient: address(item), action: 'delivered', code: response ? findReplyCode(response) : null, diagnostic: response, remoteMta: text(delivery?.['remoteMtaIp']) }));
    return { kind: 'delivered', rows, feedbackType: null, ...base };
  }
  return null;
}

const empty: SesRow = { recipient: null, action: null, status: null, code: null, diagnostic: null, remoteMta: null };

function parse(source: string): Json | null {
  try {
    return object(JSON.parse(source));
  } catch {
    return null;
  }
}

function address(value: unknown): string | null {
  const raw = text(value);
  return raw ? cleanAddress(raw) || null : null;
}

function mailHeaders(mail: Json | null): Record<string, string> | null {
  const entries = list(mail?.['headers']).map(object).filter((h): h is Json => h !== null);
  if (!entries.length) return null;
  const headers: Record<string, string> = {};
  for (const header of entries) {
    const name = text(header['name'])?.toLowerCase();
    const value = text(header['value']);
    if (name && value !== null && headers[name] === undefined) headers[name] = value;
  }
  return headers;
}
