import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { listEvents, eventView } from '../../spool/index.js';
import { requireUser } from '../auth.js';
import { InputError } from '../../lib/input-error.js';
import { visibleMessage, type HttpContext } from '../context.js';

export const EVENT_TYPES = ['queued', 'sent', 'deferred', 'failed', 'cancelled', 'retried', 'held', 'expired', 'bounced', 'complained', 'suppressed', 'opened', 'clicked', 'unsubscribed', 'campaign_finished', 'campaign_paused', 'server_unhealthy', 'server_healthy'] as const;
const time = z.iso.datetime({ offset: true }).transform((v) => Date.parse(v));

export function listEventsRoute(app: FastifyInstance, ctx: HttpContext): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/events',
    {
      schema: {
        summary: 'The event log, newest first; a sender sees the events of their own messages',
        querystring: z.object({
          messageId: z.string().max(100).optional(),
          type: z.string().optional().describe(`Comma-separated: ${EVENT_TYPES.join(', ')}`),
          since: time.optional(),
          until: time.optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
          cursor: z.string().max(100).optional(),
        }),
      },
    },
    async (request) => {
      const user = requireUser(request);
      const q = request.query;
      const types = q.type ? parseTypes(q.type) : undefined;
      if (q.messageId) await visibleMessage(ctx, user, q.messageId, 'metadata');
      const rows = await listEvents(ctx.store, {
        userId: user.role === 'admin' ? undefined : user.id,
        messageId: q.messageId,
        types,
        since: q.since,
        until: q.until,
        before: q.cursor,
        limit: q.limit + 1,
      });
      const page = rows.slice(0, q.limit);
      return { events: page.map(eventView), nextCursor: rows.length > q.limit ? page.at(-1)!.id : null };
    },
  );
}

export function parseTypes(value: string): Array<(typeof EVENT_TYPES)[number]> {
  const types = value.split(',').map((t) => t.trim()).filter(Boolean);
  for (const t of types) {
    if (!(EVENT_TYPES as readonly string[]).includes(t)) throw new InputError('type', `unknown event type "${t}"; known: ${EVENT_TYPES.join(', ')}`);
  }
  return types as Array<(typeof EVENT_TYPES)[number]>;
}
