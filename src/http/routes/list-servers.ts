import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { listServers } from '../../servers/index.js';
import { requireAdmin } from '../auth.js';
import type { HttpContext } from '../context.js';
import { serverView, showServer } from './get-server.js';

export function listServersRoute(app: FastifyInstance, ctx: HttpContext): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/servers',
    { schema: { summary: 'Outgoing servers in routing order (admin)', response: { 200: z.object({ servers: z.array(serverView) }) } } },
    async (request) => {
      requireAdmin(request);
      return { servers: (await listServers(ctx.store)).map((server) => showServer(server, ctx.clock.now())) };
    },
  );
}
