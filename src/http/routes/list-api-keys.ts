import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { listApiKeys } from '../../users/index.js';
import { requireUser } from '../auth.js';
import type { HttpContext } from '../context.js';

/** A key as listed: its first characters only; the key itself is shown once, when it is created. */
export const apiKeyView = z.object({
  id: z.string(),
  userId: z.string(),
  name: z.string(),
  prefix: z.string().describe('The first characters of the key, to tell keys apart'),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});

export function listApiKeysRoute(app: FastifyInstance, ctx: HttpContext): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/api-keys',
    { schema: { summary: "API keys: your own, or everyone's for an admin", response: { 200: z.object({ apiKeys: z.array(apiKeyView) }) } } },
    async (request) => {
      const user = requireUser(request);
      return { apiKeys: await listApiKeys(ctx.store, user.role === 'admin' ? undefined : user.id) };
    },
  );
}
