import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { deleteWebhook } from '../../webhooks/index.js';
import { requireUser } from '../auth.js';
import { notFound } from '../api-error.js';
import type { HttpContext } from '../context.js';
import { webhookParams } from './list-webhooks.js';

export function deleteWebhookRoute(app: FastifyInstance, ctx: HttpContext): void {
  app.withTypeProvider<ZodTypeProvider>().delete(
    '/webhooks/:id',
    { schema: { summary: 'Remove a webhook endpoint and its delivery log (yours; any for an admin)', params: webhookParams } },
    async (request, reply) => {
      if (!(await deleteWebhook(ctx.store, requireUser(request), request.params.id))) throw notFound('webhook');
      return reply.code(204).send();
    },
  );
}
