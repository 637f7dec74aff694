/**
 * What a caller hands the spool: one message, validated once at the boundary (CLI, API, relay).
 * Every error names its field: `to[1]`, `subject`, `headers.X-Foo`, `attachments[0].content`.
 */
import { z } from 'zod';
import { parseMailbox, type Mailbox } from './addresses.js';
import { InputError, inputErrorFromZod } from '../lib/input-error.js';

const mailbox = z.string().transform((value, ctx): Mailbox => {
  const parsed = parseMailbox(value);
  if (typeof parsed === 'string') {
    ctx.addIssue({ code: 'custom', message: parsed });
    return z.NEVER;
  }
  return parsed;
});

const singleLine = z
  .string()
  .refine((v) => !/[\r\n]/.test(v), 'must not contain CR or LF')
  .refine((v) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(v), 'must not contain control characters');

/** Headers Postroom writes itself; a caller sets these through their own fields. */
const RESERVED_HEADERS = new Set([
  'from', 'to', 'cc', 'bcc', 'reply-to', 'subject', 'message-id', 'date', 'mime-version',
  'content-type', 'content-transfer-encoding', 'sender', 'return-path',
]);

const attachment = z.object({
  filename: singleLine.min(1).max(255),
  contentType: singleLine.regex(/^[\w.+-]+\/[\w.+-]+$/, 'must be a MIME type like text/plain').optional(),
  content: z.instanceof(Buffer),
  contentId: singleLine.regex(/^[^<>\s]+$/, 'must not contain spaces or angle brackets').optional(),
});

export const messageInputSchema = z
  .object({
    from: mailbox,
    to: z.array(mailbox).default([]),
    cc: z.array(mailbox).default([]),
    bcc: z.array(mailbox).default([]),
    replyTo: mailbox.optional(),
    subject: singleLine.max(998, 'must be at most 998 characters'),
    text: z.string().optional(),
    html: z.string().optional(),
    attachments: z.array(attachment).default([]),
    headers: z.record(z.string(), singleLine.max(4000)).default({}),
    server: z.string().min(1).optional(),
    tags: z.array(singleLine.min(1).max(100)).max(20).default([]),
    metadata: z
      .record(singleLine.min(1).max(100), z.union([z.string().max(2000), z.number(), z.boolean(), z.null()]))
      .refine((m) => Object.keys(m).length <= 50, 'at most 50 keys')
      .default({}),
    /** Opens and clicks of this message measured (HTML only; needs a tracking base). Off unless asked for: transactional mail is not tracked by default. */
    track: z.object({ opens: z.boolean().default(false), clicks: z.boolean().default(false) }).default({ opens: false, clicks: false }),
  })
  .superRefine((m, ctx) => {
    if (m.to.length + m.cc.length + m.bcc.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'at least one recipient is required (to, cc or bcc)' });
    }
    if (m.to.length + m.cc.length + m.bcc.length > 1000) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'at most 1000 recipients per message' });
    }
    if (m.text === undefined && m.html === undefined) {
      ctx.addIssue({ code: 'custom', path: ['text'], message: 'a text or an html body is required' });
    }
    for (const name of Object.keys(m.headers)) {
      if (!/^[\x21-\x39\x3b-\x7e]{1,76}$/.test(name)) {
        ctx.addIssue({ code: 'custom', path: ['headers', name], message: 'is not a valid header name' });
      } else if (RESERVED_HEADERS.has(name.toLowerCase())) {
        ctx.addIssue({ code: 'custom', path: ['headers', name], message: 'is set by its own field, not as a custom header' });
      }
    }
  });

export type MessageInput = z.input<typeof messageInputSchema>;
export type ValidMessage = z.output<typeof messageInputSchema>;

/** Validates a message; throws an InputError naming the first bad field. */
export function validateMessage(input: unknown): ValidMessage {
  const result = messageInputSchema.safeParse(input);
  if (!result.success) throw inputErrorFromZod(result.error);
  return result.data;
}

export { InputError };
