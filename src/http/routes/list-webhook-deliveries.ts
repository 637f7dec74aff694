import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { deliveryView, findVisibleWebhook, listDeliveries } from '../../webhooks/index.js';
import { requireUser } from '../auth.js';
import { notFound } from '../api-error.js';
import type { HttpContext } from '../context.js';
import { webhookParams } from './list-webhooks.js';

const deliverySchema = z.object({
  id: z.string(),
  webhookId: z.string(),
  eventId: z.string(),
  type: z.string(),
  status: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.number(),
  nextAttemptAt: z.string().nullable(),
  firstAttemptAt: z.string().nullable(),
  lastStatusCode: z.number().nullable(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  payload: z.unknown(),
});

export function listWebhookDeliveriesRoute(app: FastifyInstance, ctx: HttpContext): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/webhooks/:id/deliveries',
    {
      schema: {
        summary: 'The delivery log of a webhook endpoint, newest first',
        params: webhookParams,
        querystring: z.object({
          status: z.enum(['pending', 'delivered', 'failed']).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(50),
          cursor: z.string().max(100).optional().describe('nextCursor of the previous page'),
        }),
        response: { 200: z.object({ deliveries: z.array(deliverySchema), nextCursor: z.string().nullable() }) },
      },
    },
    async (request) => {
      const webhook = await findVisibleWebhook(ctx.store, requireUser(request), request.params.id);
      if (!webhook) throw notFound('webhook');
      const q = request.query;
      const rows = await listDeliveries(ctx.store, webhook.id, { status: q.status, before: q.cursor, limit: q.limit + 1 });
      const page = rows.slice(0, q.limit);
      return { deliveries: page.map(deliveryView), nextCursor: rows.length > q.limit ? page.at(-1)!.id : null };
    },
  );
}
