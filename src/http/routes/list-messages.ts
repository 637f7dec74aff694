import { RECIPIENT_STATUSES } from '../../store/index.js';
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { listMessages } from '../../spool/index.js';
import { findServer } from '../../servers/index.js';
import { requireUser } from '../auth.js';
import type { HttpContext } from '../context.js';

const time = z.iso.datetime({ offset: true }).transform((v) => Date.parse(v));

export function listMessagesRoute(app: FastifyInstance, ctx: HttpContext): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/messages',
    {
      schema: {
        summary: 'Messages, newest first; a sender sees only their own',
        querystring: z.object({
          status: z.enum(RECIPIENT_STATUSES).optional(),
          server: z.string().optional().describe('Server name or id'),
          recipient: z.string().optional(),
          tag: z.string().optional(),
          since: time.optional().describe('ISO 8601 time, inclusive'),
          until: time.optional().describe('ISO 8601 time, exclusive'),
          q: z.string().max(200).optional().describe("Text searched in the subject and the recipients' addresses"),
          limit: z.coerce.number().int().min(1).max(500).default(50),
          cursor: z.string().max(100).optional().describe('nextCursor of the previous page'),
        }),
      },
    },
    async (request) => {
      const user = requireUser(request);
      const q = request.query;
      const serverId = q.server ? (await findServer(ctx.store, q.server, 'server')).id : undefined;
      const rows = await listMessages(ctx.store, {
        status: q.status,
        serverId,
        recipient: q.recipient,
        tag: q.tag,
        since: q.since,
        until: q.until,
        text: q.q,
        limit: q.limit + 1,
        before: q.cursor,
        userId: user.role === 'admin' ? undefined : user.id,
      });
      const page = rows.slice(0, q.limit);
      return {
        messages: page.map((m) => ({
          id: m.id,
          status: m.status,
          from: m.from_header,
          to: m.to_header,
          subject: m.subject,
          server: m.server_name,
          tags: JSON.parse(m.tags) as string[],
          createdAt: new Date(m.created_at).toISOString(),
        })),
        nextCursor: rows.length > q.limit ? page.at(-1)!.id : null,
      };
    },
  );
}
