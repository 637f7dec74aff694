import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import PostalMime from 'postal-mime';
import { getRawMessage } from '../../spool/index.js';
import { requireUser } from '../auth.js';
import { notFound } from '../api-error.js';
import { visibleMessage, type HttpContext } from '../context.js';

export function getMessageAttachmentRoute(app: FastifyInstance, ctx: HttpContext): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/messages/:id/attachments/:n',
    {
      schema: {
        summary: 'One attachment of a message, by its index in the content listing',
        params: z.object({ id: z.string().max(100), n: z.coerce.number().int().min(0) }),
      },
    },
    async (request, reply) => {
      const message = await visibleMessage(ctx, requireUser(request), request.params.id, 'content');
      const parsed = await PostalMime.parse(await getRawMessage(ctx.store, message.id));
      const attachment = parsed.attachments[request.params.n];
      if (!attachment) throw notFound('attachment');
      const data = attachment.content;
      const content = typeof data === 'string' ? Buffer.from(data) : data instanceof ArrayBuffer ? Buffer.from(data) : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      const filename = attachment.filename ?? `attachment-${request.params.n}`;
      // Served as a download, never rendered in our origin.
      return reply
        .type(attachment.mimeType || 'application/octet-stream')
        .header('content-disposition', contentDisposition(filename))
        .header('x-content-type-options', 'nosniff')
        .send(content);
    },
  );
}

/** RFC 6266: an ASCII fallback name, and the real one encoded as UTF-8 (RFC 8187). */
export function contentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  const encoded = encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
