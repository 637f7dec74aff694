import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { messageRaw } from '../message-raw.js';
import { requireUser } from '../auth.js';
import { sendAttachment } from '../attachment-reply.js';
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
      return sendAttachment(reply, await messageRaw(ctx, message), request.params.n);
    },
  );
}
