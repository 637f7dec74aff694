/**
 * The original message a report returns: its header block, wherever the report put it — a
 * message/rfc822 or text/rfc822-headers part (RFC 3464 §2, RFC 6522 §4), or pasted into the text
 * after a line such as qmail's "--- Below this line is a copy of the message." (qmail, Exim,
 * Postfix without DSN, Gmail, Exchange and the others that write only for people).
 */
import { cleanAddress } from './report-fields.js';

export interface OriginalMessage {
  /** Lower-cased names, first occurrence of each, folded lines joined. */
  headers: Record<string, string>;
  messageId: string | null;
  /** Return-Path: the original's envelope sender. */
  envelopeFrom: string | null;
}

/** Lines after which MTAs paste the original (or its headers) into a human-readable bounce. */
const COPY_FOLLOWS = new RegExp(
  [
    String.raw`^[\s-]*(below this line is a copy of the message|enclosed is a copy of the message)`,
    String.raw`^[\s-]*this is a copy of (the|your) message`,
    String.raw`^[\s-]*the header of the original message`,
    String.raw`^[\s-]*(original|returned|unsent|received) (message|mail)( headers?| text| info| follows)*[\s:.-]*$`,
    String.raw`^[\s-]*(original )?message (headers?|text) follows`,
    String.raw`^[\s-]*(included is a|below is a|here is a) copy of the (original )?message`,
    String.raw`^[\s-]*original message headers`,
  ].join('|'),
  'im',
);

const HEADER_LINE = /^([A-Za-z][A-Za-z0-9-]*):[ \t]*(.*)$/;
const KNOWN_HEADER = /^(received|return-path|message-id|from|to|subject|date|mime-version|content-type|delivered-to|x-[\w-]+|dkim-signature|reply-to|sender|cc):/i;
/** Headers only a message carries, not a report restating "To:, Subject:, Date:" of it. */
const MESSAGE_HEADER = /^(received|return-path|message-id|mime-version|content-type|delivered-to|dkim-signature|x-[\w-]+):/i;

/** The report's own text and, when a copy of the original follows it, that copy. */
export function splitAtCopy(text: string): { report: string; copy: string | null } {
  const marker = COPY_FOLLOWS.exec(text);
  if (marker) return { report: text.slice(0, marker.index), copy: text.slice(marker.index + marker[0].length) };
  // No marker: a run of header lines at the start of a line is the original's header block.
  const lines = text.split('\n');
  for (let i = 0; i + 2 < lines.length; i++) {
    const run = lines.slice(i, i + 3);
    if (run.every((line) => KNOWN_HEADER.test(line) || /^[ \t]/.test(line)) && KNOWN_HEADER.test(run[0]!) && run.some((line) => MESSAGE_HEADER.test(line))) {
      let start = i;
      while (start > 0 && KNOWN_HEADER.test(lines[start - 1]!)) start--;
      return { report: lines.slice(0, start).join('\n'), copy: lines.slice(start).join('\n') };
    }
  }
  return { report: text, copy: null };
}

/** The header block at the start of `content` (after blank or ruled lines), or null. */
export function readOriginal(content: string | null): OriginalMessage | null {
  if (!content) return null;
  const lines = content.replace(/\r/g, '').split('\n');
  let i = 0;
  while (i < lines.length && !HEADER_LINE.test(lines[i]!) && i < 8) i++;
  const headers: Record<string, string> = {};
  let last: string | null = null;
  let gaps = 0;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.trim()) {
      // RFC 5965's own example report has a stray blank line inside the copied header block;
      // reporters that copied it do too. Read on once if header lines follow.
      if (gaps++ === 0 && KNOWN_HEADER.test(lines[i + 1] ?? '') && KNOWN_HEADER.test(lines[i + 2] ?? '')) continue;
      break;
    }
    if (/^[ \t]/.test(line)) {
      if (!last) continue;
      headers[last] = `${headers[last]} ${line.trim()}`;
      continue;
    }
    const match = HEADER_LINE.exec(line);
    // Exchange pastes "Original message headers:" with long lines wrapped but not indented.
    if (!match) {
      if (last) headers[last] = `${headers[last]} ${line.trim()}`;
      continue;
    }
    const name = match[1]!.toLowerCase();
    // Only the first occurrence counts, and only it takes the folded lines that follow.
    last = headers[name] === undefined ? name : null;
    if (last) headers[last] = match[2]!.trim();
  }
  if (!Object.keys(headers).length) return null;
  return { headers, messageId: messageIdOf(headers['message-id']), envelopeFrom: addressOrNull(headers['return-path']) };
}

/** `<abc@example.com>` → `abc@example.com`; bare ids are kept as they are. */
export function messageIdOf(value: string | undefined | null): string | null {
  if (!value) return null;
  const bracketed = /<([^<>]+)>/.exec(value);
  return (bracketed ? bracketed[1]! : value).trim() || null;
}

function addressOrNull(value: string | undefined): string | null {
  if (!value) return null;
  const address = cleanAddress(value);
  return address.includes('@') ? address : null;
}
