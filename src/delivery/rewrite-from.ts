/**
 * From rewriting for routing's fallback: the message goes out as `{default_from}@{domain_alias}`
 * and the original From moves to Reply-To (unless the message has one), so replies still reach
 * the sender. Only the top-level header section changes; the body's bytes are untouched.
 */
import { fieldName, headerEnd, splitFields } from '../lib/header-section.js';

export function rewriteFrom(raw: Buffer, newFrom: string): Buffer {
  const end = headerEnd(raw);
  const head = raw.subarray(0, end).toString('latin1');
  const fields = splitFields(head);
  const fromIndex = fields.findIndex((f) => fieldName(f) === 'from');
  const hasReplyTo = fields.some((f) => fieldName(f) === 'reply-to');
  const original = fromIndex >= 0 ? fields[fromIndex]!.slice(fields[fromIndex]!.indexOf(':') + 1).trim() : null;
  const out = fields.filter((f) => fieldName(f) !== 'from');
  const replacement = [`From: ${newFrom}\r\n`];
  if (!hasReplyTo && original) replacement.push(`Reply-To: ${original}\r\n`);
  out.splice(fromIndex >= 0 ? fromIndex : 0, 0, ...replacement);
  return Buffer.concat([Buffer.from(out.join(''), 'latin1'), raw.subarray(end)]);
}
