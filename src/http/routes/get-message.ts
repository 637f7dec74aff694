import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import PostalMime from 'postal-mime';
import { getMessage, messageView } from '../../spool/index.js';
import { messageRaw } from '../message-raw.js';
import { requireUser } from '../auth.js';
import { visibleMessage, type HttpContext } from '../context.js';
import { canSeeContent } from '../visibility.js';

/** The parts of a stored message a reader wants: bodies, headers and a list of attachments. */
export async function readContent(raw: Buffer) {
  const parsed = await PostalMime.parse(raw);
  return {
    headers: parsed.headers.map((h) => ({ name: h.key, value: h.value })),
    text: parsed.text ?? null,
    html: parsed.html ?? null,
    attachments: parsed.attachments.map((a, index) => ({
      index,
      filename: a.filename,
      contentType: a.mimeType,
      contentId: a.contentId ?? null,
      size: typeof a.content === 'string' ? Buffer.byteLength(a.content) : a.content.byteLength,
    })),
  };
}

export function getMessageRoute(app: FastifyInstance, ctx: HttpContext): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/messages/:id',
    {
      schema: {
        summary: 'One message: recipients with their last answer, events, and (for its owner) its content',
        params: z.object({ id: z.string().max(100) }),
      },
    },
    async (request) => {
      const user = requireUser(request);
      const message = await visibleMessage(ctx, user, request.params.id, 'metadata');
      const view = messageView(await getMessage(ctx.store, message.id));
      // A pruned message keeps its metadata; `contentPrunedAt` says why there is no content.
      const content = canSeeContent(user, message) && message.pruned_at === null ? await readContent(await messageRaw(ctx, message)) : null;
      return { ...view, content };
    },
  );
}
