/**
 * Builds one campaign message from parts already rendered for its contact. Campaign mail is the
 * bulk of what Postroom sends, so this writes the MIME directly — headers, then a
 * multipart/alternative of the text and HTML parts, each quoted-printable — instead of building
 * a general MIME tree per message.
 */
import { pooledRandomBytes } from '../lib/random-pool.js';
import { encode as qpEncode, wrap as qpWrap } from 'nodemailer/lib/qp';
import { encodeWords, foldLines } from 'nodemailer/lib/mime-funcs';
import type { Mailbox } from '../spool/index.js';

export interface CampaignParts {
  from: Mailbox;
  to: Mailbox;
  replyTo: Mailbox | null;
  subject: string;
  messageId: string;
  date: Date;
  text: string;
  html: string;
  /** Extra headers, already safe (name: value, no CR or LF). */
  headers?: Array<[string, string]>;
}

const ATOM_TEXT = /^[\w !#$%&'*+\/=?^`{|}~.-]*$/;

/** `"Name" <address>`, the name quoted or encoded as needed (RFC 5322 §3.4, RFC 2047). */
export function mailboxHeader(mailbox: Mailbox): string {
  if (!mailbox.name) return `<${mailbox.address}>`;
  const name = /[^\x20-\x7e]/.test(mailbox.name)
    ? encodeWords(mailbox.name, 'Q', 52, true)
    : ATOM_TEXT.test(mailbox.name) && !/\./.test(mailbox.name)
      ? mailbox.name
      : `"${mailbox.name.replace(/["\\]/g, '\\$&')}"`;
  return `${name} <${mailbox.address}>`;
}

const crlf = (text: string): string => text.replace(/\r?\n|\r/g, '\r\n');
const qp = (text: string): string => qpWrap(qpEncode(Buffer.from(crlf(text), 'utf8')), 76);

export function composeCampaignMessage(parts: CampaignParts): Buffer {
  const boundary = `----=_postroom_${pooledRandomBytes(12).toString('hex')}`;
  const headers: string[] = [
    `From: ${mailboxHeader(parts.from)}`,
    `To: ${mailboxHeader(parts.to)}`,
    ...(parts.replyTo ? [`Reply-To: ${mailboxHeader(parts.replyTo)}`] : []),
    `Subject: ${/[^\x20-\x7e]/.test(parts.subject) ? encodeWords(parts.subject, 'Q', 52, false) : parts.subject}`,
    `Date: ${parts.date.toUTCString().replace(/GMT/, '+0000')}`,
    `Message-ID: ${parts.messageId}`,
    ...(parts.headers ?? []).map(([name, value]) => `${name}: ${value}`),
    'MIME-Version: 1.0',
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
  ].map((line) => foldLines(line, 76, false).replace(/\r?\n/g, '\r\n'));
  const body = [
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    qp(parts.text),
    `--${boundary}`,
    'Content-Type: text/html; charset=utf-8',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    qp(parts.html),
    `--${boundary}--`,
    '',
  ];
  return Buffer.from(`${headers.join('\r\n')}\r\n\r\n${body.join('\r\n')}`, 'utf8');
}
