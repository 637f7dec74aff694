import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { removeServer } from '../../servers/index.js';
import { requireAdmin } from '../auth.js';
import type { HttpContext } from '../context.js';
import { existingServer, serverParams } from './get-server.js';

export function removeServerRoute(app: FastifyInstance, ctx: HttpContext): void {
  app.withTypeProvider<ZodTypeProvider>().delete(
    '/servers/:id',
    { schema: { summary: 'Remove an outgoing server (admin)', params: serverParams } },
    async (request, reply) => {
      requireAdmin(request);
      const server = await existingServer(ctx, request.params.id);
      await removeServer(ctx.store, server.id);
      return reply.code(204).send();
    },
  );
}
