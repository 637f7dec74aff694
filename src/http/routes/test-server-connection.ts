import { hostname } from 'node:os';
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { testConnection } from '../../servers/index.js';
import { requireAdmin } from '../auth.js';
import type { HttpContext } from '../context.js';
import { existingServer, serverParams } from './get-server.js';

const result = z.union([
  z.object({ ok: z.literal(true), detail: z.string().describe('The steps that succeeded') }),
  z.object({
    ok: z.literal(false),
    stage: z.enum(['connect', 'greeting', 'tls', 'auth', 'mail', 'rcpt', 'data', 'session']).describe('The step that failed'),
    message: z.string().describe("What went wrong, with the server's answer"),
  }),
]);

/** Test Connection: connect, TLS, authenticate and quit without sending mail. A failed test is still a 200: the request worked. */
export function testServerConnectionRoute(app: FastifyInstance, ctx: HttpContext): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    '/servers/:id/test',
    { schema: { summary: 'Test Connection: connect, TLS and authenticate, then quit without sending (admin)', params: serverParams, response: { 200: result } } },
    async (request) => {
      requireAdmin(request);
      const server = await existingServer(ctx, request.params.id);
      return testConnection(server, ctx.secrets, hostname());
    },
  );
}
