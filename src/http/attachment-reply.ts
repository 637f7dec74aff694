import type { FastifyReply } from 'fastify';
import PostalMime from 'postal-mime';
import { notFound } from './api-error.js';

/** Sends attachment `n` of a raw message as a download, never rendered in our origin; 404 when there is none. */
export async function sendAttachment(reply: FastifyReply, raw: Buffer, n: number): Promise<FastifyReply> {
  const parsed = await PostalMime.parse(raw);
  const attachment = parsed.attachments[n];
  if (!attachment) throw notFound('attachment');
  const data = attachment.content;
  const content = typeof data === 'string' ? Buffer.from(data) : data instanceof ArrayBuffer ? Buffer.from(data) : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return reply
    .type(attachment.mimeType || 'application/octet-stream')
    .header('content-disposition', contentDisposition(attachment.filename ?? `attachment-${n}`))
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', "default-src 'none'; sandbox")
    .send(content);
}

/** RFC 6266: an ASCII fallback name, and the real one encoded as UTF-8 (RFC 8187). */
export function contentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  const encoded = encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
