import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { findServer, publicServer, type OutgoingServer } from '../../servers/index.js';
import { InputError } from '../../lib/input-error.js';
import { requireAdmin } from '../auth.js';
import { notFound } from '../api-error.js';
import type { HttpContext } from '../context.js';

export const serverParams = z.object({ id: z.string().max(200).describe('Server id or name') });

/**
 * A server as the API shows it (`publicServer`). Secrets are write-only: `hasSecret` tells whether
 * one is set. As a response schema this also strips any field not listed here.
 */
export const serverView = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(['smtp', 'sandbox']),
  priority: z.number(),
  fromFilter: z.string(),
  active: z.boolean(),
  host: z.string(),
  port: z.number(),
  security: z.enum(['none', 'starttls', 'tls']),
  auth: z.enum(['none', 'password', 'certificate']),
  username: z.string().nullable(),
  tlsVerify: z.boolean(),
  tlsCa: z.string().nullable(),
  maxConcurrent: z.number().nullable(),
  perMinute: z.number().nullable(),
  perHour: z.number().nullable(),
  perDay: z.number().nullable(),
  pausedUntil: z.string().nullable(),
  pauseReason: z.string().nullable(),
  pauseCount: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
  hasSecret: z.boolean().describe('Whether a password or client certificate is set; secrets are never returned'),
});

/** A server as the API shows it: everything but its secrets. */
export function showServer(server: OutgoingServer): z.infer<typeof serverView> {
  return publicServer(server);
}

/** The server with this id (or name); 404 when there is none. */
export async function existingServer(ctx: HttpContext, id: string): Promise<OutgoingServer> {
  try {
    return await findServer(ctx.store, id, 'id');
  } catch (error) {
    if (error instanceof InputError) throw notFound('server');
    throw error;
  }
}

export function getServerRoute(app: FastifyInstance, ctx: HttpContext): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/servers/:id',
    { schema: { summary: 'One outgoing server (admin)', params: serverParams, response: { 200: serverView } } },
    async (request) => {
      requireAdmin(request);
      return showServer(await existingServer(ctx, request.params.id));
    },
  );
}
