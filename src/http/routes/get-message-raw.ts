import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { messageRaw } from '../message-raw.js';
import { requireUser } from '../auth.js';
import { visibleMessage, type HttpContext } from '../context.js';

export function getMessageRawRoute(app: FastifyInstance, ctx: HttpContext): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/messages/:id/raw',
    { schema: { summary: 'The message as stored and sent (.eml)', params: z.object({ id: z.string().max(100) }) } },
    async (request, reply) => {
      const message = await visibleMessage(ctx, requireUser(request), request.params.id, 'content');
      return reply
        .type('message/rfc822')
        .header('content-disposition', `attachment; filename="${message.id}.eml"`)
        .send(await messageRaw(ctx, message));
    },
  );
}
