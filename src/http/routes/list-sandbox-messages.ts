import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { listSandboxMessages, type SandboxCopy } from '../../transports/index.js';
import { requireUser } from '../auth.js';
import type { HttpContext } from '../context.js';

export const sandboxSummary = z.object({
  id: z.string(),
  messageId: z.string().describe('The message this copy was kept for (GET /messages/:id)'),
  server: z.string(),
  recipient: z.string(),
  from: z.string(),
  subject: z.string(),
  receivedAt: z.string(),
});

export const showSandboxCopy = (copy: SandboxCopy): z.infer<typeof sandboxSummary> => ({
  id: copy.id,
  messageId: copy.message_id,
  server: copy.server_name ?? '(removed)',
  recipient: copy.recipient,
  from: copy.from_header,
  subject: copy.subject,
  receivedAt: new Date(Number(copy.created_at)).toISOString(),
});

/** The sandbox inbox: what sandbox servers kept instead of delivering, newest first; one copy per recipient. */
export function listSandboxMessagesRoute(app: FastifyInstance, ctx: HttpContext): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/sandbox/messages',
    {
      schema: {
        summary: 'Mail kept by sandbox servers, newest first: your own messages (and, for admins, those sent without an owner)',
        querystring: z.object({
          q: z.string().max(200).optional().describe('Text searched in the subject and the recipient'),
          limit: z.coerce.number().int().min(1).max(200).default(50),
          cursor: z.string().max(100).optional().describe('nextCursor of the previous page'),
        }),
        response: { 200: z.object({ messages: z.array(sandboxSummary), nextCursor: z.string().nullable() }) },
      },
    },
    async (request) => {
      const user = requireUser(request);
      const { q, limit, cursor } = request.query;
      const rows = await listSandboxMessages(ctx.store, { userId: user.id, isAdmin: user.role === 'admin' }, { q, limit: limit + 1, before: cursor });
      const page = rows.slice(0, limit);
      return { messages: page.map(showSandboxCopy), nextCursor: rows.length > limit ? page.at(-1)!.id : null };
    },
  );
}
