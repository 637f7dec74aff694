import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { createUser } from '../../users/index.js';
import { requireAdmin } from '../auth.js';
import type { HttpContext } from '../context.js';
import { showUser, userView } from './list-users.js';

export function createUserRoute(app: FastifyInstance, ctx: HttpContext): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    '/users',
    {
      schema: {
        summary: 'Add a user (admin)',
        // The users module checks the address and the password's length, naming the field.
        body: z.object({
          email: z.string().max(254),
          role: z.enum(['admin', 'sender']),
          password: z.string().max(1000).describe('At least 12 characters'),
        }),
        response: { 201: userView },
      },
    },
    async (request, reply) => {
      requireAdmin(request);
      const user = await createUser(ctx, request.body);
      return reply.code(201).send(showUser(user));
    },
  );
}
