import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { createApiKey, findUser } from '../../users/index.js';
import { requireUser } from '../auth.js';
import { ApiError } from '../api-error.js';
import type { HttpContext } from '../context.js';
import { apiKeyView } from './list-api-keys.js';

export function createApiKeyRoute(app: FastifyInstance, ctx: HttpContext): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    '/api-keys',
    {
      schema: {
        summary: 'Create an API key; the answer holds the key, shown this once',
        body: z.object({
          name: z.string().max(100).describe('A label to tell keys apart'),
          userId: z.string().max(254).optional().describe('Whose key (admin only); yours when left out'),
        }),
        response: { 201: apiKeyView.extend({ key: z.string().describe('The key: send it as Authorization: Bearer <key>. It is not stored and cannot be shown again.') }) },
      },
    },
    async (request, reply) => {
      const user = requireUser(request);
      const { name, userId } = request.body;
      let ownerId = user.id;
      if (userId !== undefined && userId !== user.id) {
        if (user.role !== 'admin') throw new ApiError(403, 'forbidden', 'only an admin may create keys for another user', 'userId');
        ownerId = (await findUser(ctx.store, userId, 'userId')).id;
      }
      const { key, apiKey } = await createApiKey(ctx, ownerId, name);
      return reply.code(201).send({ ...apiKey, key });
    },
  );
}
