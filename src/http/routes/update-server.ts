import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { updateServer } from '../../servers/index.js';
import { requireAdmin } from '../auth.js';
import type { HttpContext } from '../context.js';
import { existingServer, serverParams, serverView, showServer } from './get-server.js';
import { serverBody } from './create-server.js';

export function updateServerRoute(app: FastifyInstance, ctx: HttpContext): void {
  app.withTypeProvider<ZodTypeProvider>().patch(
    '/servers/:id',
    {
      schema: {
        summary: 'Change the given fields of an outgoing server (admin); secrets not given are kept, null clears one. Also lifts a pause.',
        params: serverParams,
        body: serverBody,
        response: { 200: serverView },
      },
    },
    async (request) => {
      requireAdmin(request);
      const server = await existingServer(ctx, request.params.id);
      return showServer(await updateServer(ctx, server.id, request.body), ctx.clock.now());
    },
  );
}
