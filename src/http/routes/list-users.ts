import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { listUsers, type User } from '../../users/index.js';
import { requireAdmin } from '../auth.js';
import type { HttpContext } from '../context.js';

export const userView = z.object({
  id: z.string(),
  email: z.string(),
  role: z.enum(['admin', 'sender']),
  mustChangePassword: z.boolean(),
  createdAt: z.string(),
});

export const showUser = (user: User): z.infer<typeof userView> => ({
  id: user.id,
  email: user.email,
  role: user.role,
  mustChangePassword: user.mustChangePassword,
  createdAt: new Date(user.createdAt).toISOString(),
});

export function listUsersRoute(app: FastifyInstance, ctx: HttpContext): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/users',
    { schema: { summary: 'Users (admin)', response: { 200: z.object({ users: z.array(userView) }) } } },
    async (request) => {
      requireAdmin(request);
      return { users: (await listUsers(ctx.store)).map(showUser) };
    },
  );
}
