import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { getSandboxMessage } from '../../transports/index.js';
import { requireUser } from '../auth.js';
import { notFound } from '../api-error.js';
import { sendAttachment } from '../attachment-reply.js';
import type { HttpContext } from '../context.js';
import { readContent } from './get-message.js';
import { showSandboxCopy } from './list-sandbox-messages.js';

const params = z.object({ id: z.string().max(100) });

async function visibleCopy(ctx: HttpContext, user: ReturnType<typeof requireUser>, id: string) {
  const copy = await getSandboxMessage(ctx.store, { userId: user.id, isAdmin: user.role === 'admin' }, id);
  if (!copy) throw notFound('sandbox message');
  return copy;
}

/** One kept copy, read like an email: as the recipient would have received it. */
export function getSandboxMessageRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  typed.get('/sandbox/messages/:id', { schema: { summary: 'One message kept by a sandbox server, with its content', params } }, async (request) => {
    const copy = await visibleCopy(ctx, requireUser(request), request.params.id);
    return { ...showSandboxCopy(copy), content: await readContent(copy.raw) };
  });
  typed.get(
    '/sandbox/messages/:id/attachments/:n',
    { schema: { summary: 'One attachment of a kept message', params: params.extend({ n: z.coerce.number().int().min(0) }) } },
    async (request, reply) => sendAttachment(reply, (await visibleCopy(ctx, requireUser(request), request.params.id)).raw, request.params.n),
  );
  typed.get('/sandbox/messages/:id/raw', { schema: { summary: 'A kept message as it was handed to the sandbox (message/rfc822)', params } }, async (request, reply) => {
    const copy = await visibleCopy(ctx, requireUser(request), request.params.id);
    return reply.type('message/rfc822').header('content-disposition', `attachment; filename="${copy.id}.eml"`).send(copy.raw);
  });
}
