import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { createServer, serverFieldsSchema } from '../../servers/index.js';
import { requireAdmin } from '../auth.js';
import type { HttpContext } from '../context.js';
import { serverView, showServer } from './get-server.js';

/**
 * The engine's own field schema, so the OpenAPI document and the first check agree with it; the
 * engine then checks the fields that depend on each other (auth needs a username, …). Unknown
 * fields are refused rather than ignored, so a misspelt setting is not silently lost.
 */
export const serverBody = serverFieldsSchema.partial().strict();

export function createServerRoute(app: FastifyInstance, ctx: HttpContext): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    '/servers',
    {
      schema: {
        summary: 'Add an outgoing server (admin); password, certificate and privateKey are write-only',
        body: serverBody.required({ name: true }),
        response: { 201: serverView },
      },
    },
    async (request, reply) => {
      requireAdmin(request);
      const created = await createServer(ctx, request.body);
      return reply.code(201).send(showServer(created, ctx.clock.now()));
    },
  );
}
