import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { listWebhooks, WEBHOOK_EVENT_TYPES } from '../../webhooks/index.js';
import { requireUser } from '../auth.js';
import type { HttpContext } from '../context.js';

export const webhookEvents = z
  .array(z.enum(WEBHOOK_EVENT_TYPES))
  .min(1)
  .max(WEBHOOK_EVENT_TYPES.length * 2)
  .describe(`Event types to receive: ${WEBHOOK_EVENT_TYPES.join(', ')}`);

export const webhookUrl = z.string().max(2000).describe('http or https URL; its host must not resolve to a loopback, link-local or private address unless the setting webhooks_allow_private is "true"');

export const webhookSchema = z.object({
  id: z.string(),
  userId: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  active: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const webhookParams = z.object({ id: z.string().max(100) });

export function listWebhooksRoute(app: FastifyInstance, ctx: HttpContext): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/webhooks',
    { schema: { summary: 'Webhook endpoints: your own; every user\'s for an admin', response: { 200: z.object({ webhooks: z.array(webhookSchema) }) } } },
    async (request) => ({ webhooks: await listWebhooks(ctx.store, requireUser(request)) }),
  );
}
