import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { createWebhook } from '../../webhooks/index.js';
import { requireUser } from '../auth.js';
import type { HttpContext } from '../context.js';
import { webhookEvents, webhookSchema, webhookUrl } from './list-webhooks.js';

export function createWebhookRoute(app: FastifyInstance, ctx: HttpContext): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    '/webhooks',
    {
      schema: {
        summary: 'Add a webhook endpoint; the answer carries its signing secret, shown this once',
        body: z.object({ url: webhookUrl, events: webhookEvents, active: z.boolean().optional() }).strict(),
        response: { 201: webhookSchema.extend({ secret: z.string().describe('whsec_…: the key of Postroom-Signature\'s HMAC-SHA256') }) },
      },
    },
    async (request, reply) => {
      const webhook = await createWebhook(ctx, requireUser(request), request.body);
      return reply.code(201).send(webhook);
    },
  );
}
