/**
 * DKIM signing (RFC 6376) with relaxed/relaxed canonicalization, rsa-sha256 or ed25519-sha256
 * (RFC 8463). It sits on the delivery hot path, so it works on the message's bytes directly: one
 * pass over the body for its hash, the header fields split once, one signature with a KeyObject.
 *
 * Signed: From, To, Cc, Subject, Date, Message-ID, Reply-To, the MIME headers, List-Unsubscribe
 * (-Post) and List-Id, each instance present; From is listed once more than it occurs
 * ("over-signing", §8.15) so a From added on the way breaks the signature instead of being shown.
 */
import { createHash, sign, type KeyObject } from 'node:crypto';
import type { DkimAlgorithm } from '../store/index.js';
import { toCrlf } from '../lib/line-ends.js';

export interface DkimSigningKey {
  domain: string;
  selector: string;
  algorithm: DkimAlgorithm;
  key: KeyObject;
}

export const SIGNED_HEADERS = [
  'from',
  'to',
  'cc',
  'subject',
  'date',
  'message-id',
  'reply-to',
  'in-reply-to',
  'references',
  'mime-version',
  'content-type',
  'content-transfer-encoding',
  'list-unsubscribe',
  'list-unsubscribe-post',
  'list-id',
] as const;

/** The message with a DKIM-Signature field in front. `now` is the signature's `t=` (ms). */
export function signMessage(message: Buffer, key: DkimSigningKey, now: number): Buffer {
  // Signed as it will travel: with CRLF line ends.
  const raw = toCrlf(message);
  const { head, body } = splitMessage(raw);
  const bodyHash = createHash('sha256').update(relaxedBody(body), 'latin1').digest('base64');

  const fields = headerFields(head);
  const byName = new Map<string, string[]>();
  for (const field of fields) {
    const name = fieldName(field);
    if (!(SIGNED_HEADERS as readonly string[]).includes(name)) continue;
    const list = byName.get(name) ?? [];
    list.push(field);
    byName.set(name, list);
  }
  const names: string[] = [];
  for (const name of SIGNED_HEADERS) for (let i = 0; i < (byName.get(name)?.length ?? 0); i++) names.push(name);
  names.push('from');

  // Instances are taken from the bottom up (§5.4.2); a name listed more often than it occurs signs nothing more.
  let data = '';
  const used = new Map<string, number>();
  for (const name of names) {
    const instances = byName.get(name) ?? [];
    const n = used.get(name) ?? 0;
    used.set(name, n + 1);
    const field = instances[instances.length - 1 - n];
    if (field !== undefined) data += relaxedHeader(field) + '\r\n';
  }

  const algorithm = key.algorithm === 'ed25519' ? 'ed25519-sha256' : 'rsa-sha256';
  const value =
    `v=1; a=${algorithm}; c=relaxed/relaxed; d=${key.domain}; s=${key.selector};\r\n` +
    `\tt=${Math.floor(now / 1000)}; h=${foldList(names)};\r\n` +
    `\tbh=${bodyHash};\r\n` +
    `\tb=`;
  data += relaxedHeader(`DKIM-Signature: ${value}`);
  const signature =
    key.algorithm === 'ed25519'
      ? sign(null, createHash('sha256').update(data, 'latin1').digest(), key.key) // RFC 8463 §3: Ed25519 over the SHA-256 hash
      : sign('sha256', Buffer.from(data, 'latin1'), key.key);
  const header = `DKIM-Signature: ${value}${foldBase64(signature.toString('base64'))}\r\n`;
  return Buffer.concat([Buffer.from(header, 'latin1'), raw]);
}

/** The header section (each field ending in CRLF) and the body after the blank line. */
function splitMessage(raw: Buffer): { head: string; body: Buffer } {
  const blank = raw.indexOf('\r\n\r\n');
  if (blank < 0) return { head: raw.toString('latin1'), body: Buffer.alloc(0) };
  return { head: raw.subarray(0, blank + 2).toString('latin1'), body: raw.subarray(blank + 4) };
}

/** Header fields with their folded continuation lines, each without its final CRLF. */
export function headerFields(head: string): string[] {
  const fields: string[] = [];
  for (const line of head.split('\r\n')) {
    if (line === '') continue;
    if ((line[0] === ' ' || line[0] === '\t') && fields.length > 0) fields[fields.length - 1] += '\r\n' + line;
    else fields.push(line);
  }
  return fields;
}

const fieldName = (field: string): string => field.slice(0, field.indexOf(':')).replace(/[ \t]+$/, '').toLowerCase();

/**
 * §3.4.2: name lower-cased; value unfolded, runs of WSP made one space, WSP at its ends removed.
 * (Not String.trim: bytes read as latin1 include U+00A0, which is part of a UTF-8 character here.)
 */
export function relaxedHeader(field: string): string {
  const colon = field.indexOf(':');
  const name = field.slice(0, colon).replace(/[ \t]+$/, '').toLowerCase();
  const value = field
    .slice(colon + 1)
    .replace(/\r\n(?=[ \t])/g, '')
    .replace(/[ \t]+/g, ' ')
    .replace(/^ | $/g, '');
  return `${name}:${value}`;
}

/** §3.4.4: WSP runs made one space, WSP at line ends removed, empty lines at the end removed, one CRLF kept. */
export function relaxedBody(body: Buffer): string {
  if (body.length === 0) return '';
  let text = body.toString('latin1');
  // Most bodies (quoted-printable, base64) have no tabs, no double spaces and no spaces at line ends: skip those passes then.
  if (text.includes('\t') || text.includes('  ')) text = text.replace(/[ \t]+/g, ' ');
  if (text.includes(' \r\n')) text = text.replace(/ \r\n/g, '\r\n');
  let end = text.length;
  while (end >= 2 && text.charCodeAt(end - 2) === 13 && text.charCodeAt(end - 1) === 10) end -= 2;
  if (end > 0 && text.charCodeAt(end - 1) === 32) end -= 1;
  return end > 0 ? text.slice(0, end) + '\r\n' : '';
}

/** `from:to:subject…` with a fold before a name when the line gets long. */
function foldList(names: string[]): string {
  let out = '';
  let line = 12;
  for (const [i, name] of names.entries()) {
    const part = i === 0 ? name : `:${name}`;
    if (line + part.length > 74 && i > 0) {
      out += '\r\n\t';
      line = 1;
    }
    out += part;
    line += part.length;
  }
  return out;
}

/** The signature in lines of at most 76 characters (the whitespace is removed before verifying, §3.5). */
function foldBase64(value: string): string {
  let out = value.slice(0, 72);
  for (let at = 72; at < value.length; at += 74) out += '\r\n\t' + value.slice(at, at + 74);
  return out;
}
