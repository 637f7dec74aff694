import MailComposer from 'nodemailer/lib/mail-composer';
import { domainOf, formatMailbox, type Mailbox } from './addresses.js';
import type { ValidMessage } from './message-input.js';
import { toCrlf } from '../lib/line-ends.js';

export interface ComposedMessage {
  raw: Buffer;
  messageIdHeader: string;
  envelopeFrom: string;
  recipients: Array<{ address: string; kind: 'to' | 'cc' | 'bcc' }>;
}

/**
 * Builds the RFC 5322 message once, at enqueue: every attempt sends these bytes (From may be
 * rewritten by routing, see rewrite-from.ts). Bcc goes in the envelope only.
 */
export async function composeMessage(message: ValidMessage, id: string, date: Date): Promise<ComposedMessage> {
  const messageIdHeader = `<${id}@${domainOf(message.from.address)}>`;
  const composer = new MailComposer({
    from: message.from,
    to: message.to,
    cc: message.cc,
    bcc: message.bcc,
    replyTo: message.replyTo,
    subject: message.subject,
    text: message.text,
    html: message.html,
    headers: message.headers,
    messageId: messageIdHeader,
    date,
    attachments: message.attachments.map((a) => ({
      filename: a.filename,
      content: a.content,
      contentType: a.contentType,
      cid: a.contentId,
    })),
    // Content comes only from the caller's bytes, never from a path or URL it names.
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  const raw = toCrlf(await composer.compile().build());
  return { raw, messageIdHeader, envelopeFrom: message.from.address, recipients: envelopeRecipients(message) };
}

function envelopeRecipients(message: ValidMessage): ComposedMessage['recipients'] {
  const seen = new Set<string>();
  const out: ComposedMessage['recipients'] = [];
  const add = (list: Mailbox[], kind: 'to' | 'cc' | 'bcc'): void => {
    for (const m of list) {
      const key = m.address.toLowerCase();
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ address: m.address, kind });
    }
  };
  add(message.to, 'to');
  add(message.cc, 'cc');
  add(message.bcc, 'bcc');
  return out;
}

export function headerList(list: Mailbox[]): string {
  return list.map(formatMailbox).join(', ');
}
