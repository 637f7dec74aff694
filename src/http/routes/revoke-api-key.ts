import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { revokeApiKey } from '../../users/index.js';
import { InputError } from '../../lib/input-error.js';
import { requireUser } from '../auth.js';
import { notFound } from '../api-error.js';
import type { HttpContext } from '../context.js';
import { apiKeyView } from './list-api-keys.js';

/** Revoke a key at once. Another user's key answers 404 to a sender, as if it did not exist; so does a key already revoked. */
export function revokeApiKeyRoute(app: FastifyInstance, ctx: HttpContext): void {
  app.withTypeProvider<ZodTypeProvider>().delete(
    '/api-keys/:id',
    { schema: { summary: 'Revoke an API key: your own, or any for an admin', params: z.object({ id: z.string().max(100) }), response: { 200: apiKeyView } } },
    async (request) => {
      const user = requireUser(request);
      try {
        return await revokeApiKey(ctx, request.params.id, user.role === 'admin' ? undefined : user.id);
      } catch (error) {
        if (error instanceof InputError) throw notFound('API key');
        throw error;
      }
    },
  );
}
