/**
 * Opens a report message with postal-mime and sorts its parts: the human-readable text, the
 * machine-readable report (RFC 3464 delivery-status, RFC 6533 global-delivery-status, RFC 5965
 * feedback-report) and the returned original (message/rfc822, message/global, or only its
 * headers as text/rfc822-headers or message/global-headers).
 */
import PostalMime, { type Attachment, type Header } from 'postal-mime';

export interface ReportParts {
  /** Top-level header values by lower-cased name, first occurrence. */
  headers: ReadonlyMap<string, string>;
  subject: string | null;
  from: string | null;
  /** The human-readable text: the plain parts, or the HTML ones reduced to text. */
  text: string;
  deliveryStatus: string | null;
  feedbackReport: string | null;
  /** The returned original (or its header block), as text. */
  original: string | null;
}

const DELIVERY_STATUS: ReadonlySet<string> = new Set(['message/delivery-status', 'message/global-delivery-status']);
// message/partial (RFC 2046 §5.2.2): its first part starts with the original's headers.
const ORIGINAL = ['message/rfc822', 'message/global', 'text/rfc822-headers', 'message/global-headers', 'message/partial'];
const decoder = new TextDecoder('utf-8');

export async function openReport(raw: Buffer): Promise<ReportParts> {
  // An mbox "From " separator line is not a header; postal-mime would end the header block there.
  const start = raw.subarray(0, 5).toString('latin1') === 'From ' ? raw.indexOf(10) + 1 : 0;
  const mail = await PostalMime.parse(raw.subarray(start), { forceRfc822Attachments: true, attachmentEncoding: 'arraybuffer' });
  const contentOf = (type: string): string | null => {
    const part = mail.attachments.find((a) => a.mimeType === type);
    return part ? asText(part) : null;
  };
  const original = ORIGINAL.map((type) => contentOf(type)).find((content) => content !== null) ?? null;
  const texts = mail.attachments.filter((a) => a.mimeType === 'text/plain' && !a.filename).map(asText);
  const html = mail.html ? htmlText(mail.html) : '';
  const text = [mail.text ?? html, ...texts].join('\n');
  // A report may be all parts: every delivery-status part counts (some MTAs send one per recipient).
  const statuses = mail.attachments.filter((a) => DELIVERY_STATUS.has(a.mimeType)).map(asText);
  return {
    headers: firstValues(mail.headers),
    subject: mail.subject?.trim() || null,
    from: mail.from && 'address' in mail.from ? (mail.from.address ?? null) : null,
    // A multipart whose boundary never occurs leaves postal-mime nothing; read the body as text then.
    text: (text.trim() || mail.attachments.length) ? text : bodyOf(raw.subarray(start)),
    deliveryStatus: statuses.length ? statuses.join('\n\n') : null,
    feedbackReport: contentOf('message/feedback-report'),
    original,
  };
}

function bodyOf(raw: Buffer): string {
  const text = raw.toString('utf8');
  const split = /\r?\n\r?\n/.exec(text);
  return split ? text.slice(split.index + split[0].length) : '';
}

function asText(part: Attachment): string {
  const content = part.content;
  if (typeof content === 'string') return content;
  return decoder.decode(content instanceof ArrayBuffer ? new Uint8Array(content) : content);
}

function firstValues(headers: readonly Header[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const header of headers) if (!map.has(header.key)) map.set(header.key, header.value);
  return map;
}

/** Enough of HTML to read an NDR: block elements become line breaks, tags and entities go. */
function htmlText(html: string): string {
  return html
    .replace(/<(style|script|head)\b[\s\S]*?<\/\1>/gi, '')
    .replace(/<br\s*\/?>|<\/(p|div|tr|li|h\d|table)>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&nbsp;/gi, ' ')
    .replace(/&lt;/gi, '<')
    .replace(/&gt;/gi, '>')
    .replace(/&quot;/gi, '"')
    .replace(/&#(\d+);/g, (_, code: string) => character(Number(code)))
    .replace(/&#x([0-9a-f]+);/gi, (_, code: string) => character(parseInt(code, 16)))
    .replace(/&amp;/gi, '&');
}

function character(code: number): string {
  return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '';
}
