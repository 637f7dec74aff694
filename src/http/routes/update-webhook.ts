import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { updateWebhook } from '../../webhooks/index.js';
import { requireUser } from '../auth.js';
import { notFound } from '../api-error.js';
import type { HttpContext } from '../context.js';
import { webhookEvents, webhookParams, webhookSchema, webhookUrl } from './list-webhooks.js';

export function updateWebhookRoute(app: FastifyInstance, ctx: HttpContext): void {
  app.withTypeProvider<ZodTypeProvider>().patch(
    '/webhooks/:id',
    {
      schema: {
        summary: 'Change a webhook endpoint\'s URL, event types or active flag (yours; any for an admin)',
        params: webhookParams,
        body: z.object({ url: webhookUrl.optional(), events: webhookEvents.optional(), active: z.boolean().optional() }).strict(),
        response: { 200: webhookSchema },
      },
    },
    async (request) => {
      const webhook = await updateWebhook(ctx, requireUser(request), request.params.id, request.body);
      if (!webhook) throw notFound('webhook');
      return webhook;
    },
  );
}
