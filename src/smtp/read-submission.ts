/**
 * A message submitted over SMTP, turned into what the spool stores (RFC 6409 §8: what a
 * submission server may and must do to it):
 *
 * 1. Smuggling first: a line holding only "." that ends or starts with a bare CR or LF is an
 *    end-of-data some other server would honour (`<LF>.<LF>`, `<LF>.<CR><LF>`, `<CR>.<CR>`…).
 *    Our parser ends DATA only at `<CR><LF>.<CR><LF>`, so what follows would ride along inside
 *    the message and become a second message at the next hop that reads it differently. The
 *    whole message is refused.
 * 2. Line ends become CRLF (RFC 5322 §2.3); the transport dot-stuffs on the way out.
 * 3. The header section is read: From must be there (one or more mailboxes, every one of them
 *    allowed for the credential, as must Sender); Bcc is taken out (RFC 5322 §3.6.3: it must not
 *    reach To and Cc recipients); Date and Message-ID are added when missing (§8.2, §8.3).
 *    X-Postroom-Track (`opens`, `clicks`, `opens, clicks` or `none`) chooses open and click
 *    tracking for this message over the credential's own choice, and is taken out too.
 *    Nothing else changes: a message that has all it needs arrives byte for byte as sent.
 */
import addressparser from 'nodemailer/lib/addressparser';
import { decodeWords } from 'postal-mime';
import { fieldName, fieldValue, headerEnd, splitFields } from '../lib/header-section.js';
import { toCrlf } from '../lib/line-ends.js';
import { newId } from '../lib/ids.js';
import { formatMailbox, type Mailbox, type PreparedMessage } from '../spool/index.js';

export interface Submission {
  raw: Buffer;
  mailFrom: string;
  rcptTo: string[];
}

export interface SubmissionContext {
  now: number;
  lifetimeMs: number;
  userId: string;
  credentialId: string;
  lane: 'transactional' | 'bulk';
  serverId: string | null;
  /** Whether the credential may send as this address. */
  mayUse(address: string): boolean;
  /** Text for the `queued` event. */
  detail: string;
  /** The credential's tracking, unless the message's X-Postroom-Track says otherwise. */
  track: Track;
}

export interface Track {
  opens: boolean;
  clicks: boolean;
}

/** The header field a message chooses its tracking with; never stored or sent on. */
const TRACK_FIELD = 'x-postroom-track';

/** An SMTP answer refusing the message: code and text with its enhanced status code. */
export interface Refusal {
  code: number;
  message: string;
}

export type ReadResult = { ok: true; message: PreparedMessage; track: Track } | { ok: false; refusal: Refusal };

/** A dot alone on a line whose line breaks are not both CRLF (or a leading one at the very start). */
const DOT_LINE = /(^|\r\n|\r|\n)\.(?=(\r\n|\r|\n))/g;

/** The first dot line that some server would take for the end of data, as `<LF>.<CR><LF>`; null when there is none. */
export function findSmuggling(data: Buffer): string | null {
  const text = data.toString('latin1');
  for (const match of text.matchAll(DOT_LINE)) {
    const [before, after] = [match[1]!, match[2]!];
    if (before !== '\r\n' || after !== '\r\n') return `${spell(before)}.${spell(after)}`;
  }
  return null;
}

const spell = (breaks: string): string => breaks.replace(/\r/g, '<CR>').replace(/\n/g, '<LF>');

export function readSubmission(ctx: SubmissionContext, submission: Submission): ReadResult {
  const loose = findSmuggling(submission.raw);
  if (loose) return refuse(550, `5.6.0 Message refused: a line "${loose}" looks like the end of data to some servers (SMTP smuggling); send lines ending in CRLF`);
  const raw = toCrlf(submission.raw);
  const end = headerEnd(raw);
  const fields = splitFields(raw.subarray(0, end).toString('latin1'));
  const header = (name: string): string[] => fields.filter((f) => fieldName(f) === name).map(fieldValue);

  const fromFields = header('from');
  if (fromFields.length !== 1) return refuse(550, `5.6.0 Message refused: it must have exactly one From header field, it has ${fromFields.length}`);
  const from = mailboxes(fromFields[0]!);
  if (from.length === 0) return refuse(550, '5.6.0 Message refused: the From header field holds no address');
  const sender = header('sender').flatMap(mailboxes);
  for (const mailbox of [...from, ...sender]) {
    if (!ctx.mayUse(mailbox.address)) return refuse(553, `5.7.1 Sender address rejected: not allowed to send as ${mailbox.address}`);
  }

  const chosen = header(TRACK_FIELD);
  const track = chosen.length === 0 ? ctx.track : readTrack(chosen.join(','));
  if (!track) return refuse(550, '5.6.0 Message refused: X-Postroom-Track must be "opens", "clicks", "opens, clicks" or "none"');

  const to = header('to').flatMap(mailboxes);
  const cc = header('cc').flatMap(mailboxes);
  const visible = new Map<string, 'to' | 'cc'>();
  for (const m of cc) visible.set(m.address.toLowerCase(), 'cc');
  for (const m of to) visible.set(m.address.toLowerCase(), 'to');
  const seen = new Set<string>();
  const recipients: PreparedMessage['recipients'] = [];
  for (const address of submission.rcptTo) {
    const key = address.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    recipients.push({ address, kind: visible.get(key) ?? 'bcc' });
  }

  const id = newId('msg', ctx.now);
  const added: string[] = [];
  if (header('date').length === 0) added.push(`Date: ${new Date(ctx.now).toUTCString().replace('GMT', '+0000')}\r\n`);
  let messageIdHeader = header('message-id')[0] ?? '';
  if (!/^<[^<>\s]+>$/.test(messageIdHeader)) {
    messageIdHeader = `<${id}@${from[0]!.address.slice(from[0]!.address.lastIndexOf('@') + 1)}>`;
    if (header('message-id').length === 0) added.push(`Message-ID: ${messageIdHeader}\r\n`);
  }
  const removed = (f: string): boolean => fieldName(f) === 'bcc' || fieldName(f) === TRACK_FIELD;
  const stored =
    added.length === 0 && !fields.some(removed)
      ? raw
      : Buffer.concat([Buffer.from(added.join('') + fields.filter((f) => !removed(f)).join(''), 'latin1'), raw.subarray(end)]);

  const replyTo = header('reply-to')[0];
  return {
    ok: true,
    message: {
      id,
      fromAddress: from[0]!.address,
      fromHeader: formatMailbox(from[0]!),
      replyTo: replyTo ? decodeWords(replyTo).slice(0, 998) : null,
      toHeader: to.map(formatMailbox).join(', '),
      subject: decodeWords(header('subject')[0] ?? '').slice(0, 998),
      tags: [],
      metadata: {},
      messageIdHeader,
      raw: stored,
      recipients,
      userId: ctx.userId,
      createdAt: ctx.now,
      expiresAt: ctx.now + ctx.lifetimeMs,
      requestedServerId: ctx.serverId,
      priority: ctx.lane === 'bulk' ? 1 : 0,
      smtpCredentialId: ctx.credentialId,
      queuedDetail: queuedDetail(recipients.length, stored.length, ctx.detail),
    },
    track,
  };
}

/** The `queued` event's text for a relay message. */
export function queuedDetail(recipients: number, bytes: number, detail: string): string {
  return `${recipients} recipient(s), ${bytes} bytes; ${detail}`;
}

/** `opens`, `clicks`, both (comma or space apart) or `none`; null for anything else. */
function readTrack(value: string): Track | null {
  const words = value.toLowerCase().split(/[\s,]+/).filter(Boolean);
  if (words.length === 1 && words[0] === 'none') return { opens: false, clicks: false };
  if (words.length === 0 || words.some((w) => w !== 'opens' && w !== 'clicks')) return null;
  return { opens: words.includes('opens'), clicks: words.includes('clicks') };
}

function mailboxes(value: string): Mailbox[] {
  return addressparser(value, { flatten: true })
    .filter((m) => !!m.address)
    .map((m) => ({ name: decodeWords(m.name ?? '').trim(), address: m.address!.trim() }));
}

function refuse(code: number, message: string): ReadResult {
  return { ok: false, refusal: { code, message } };
}
