import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { createSmtpCredential, findUser, newCredentialSchema } from '../../users/index.js';
import { requireUser } from '../auth.js';
import { ApiError } from '../api-error.js';
import type { HttpContext } from '../context.js';
import { smtpCredentialView } from './list-smtp-credentials.js';

// The module's own schema, so the API and the CLI refuse the same input with the same words.
const body = newCredentialSchema.extend({
  userId: z.string().max(254).optional().describe('Whose login (admin only); yours when left out'),
});

export function createSmtpCredentialRoute(app: FastifyInstance, ctx: HttpContext): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    '/smtp-credentials',
    {
      schema: {
        summary: 'Create an SMTP relay login; the answer holds its password, shown this once',
        body,
        response: {
          201: smtpCredentialView.extend({
            password: z.string().describe('The SMTP AUTH password. It is not stored (only a hash of it is) and cannot be shown again.'),
          }),
        },
      },
    },
    async (request, reply) => {
      const user = requireUser(request);
      const { userId, ...input } = request.body;
      let ownerId = user.id;
      if (userId !== undefined && userId !== user.id) {
        if (user.role !== 'admin') throw new ApiError(403, 'forbidden', 'only an admin may create SMTP logins for another user', 'userId');
        ownerId = (await findUser(ctx.store, userId, 'userId')).id;
      }
      const { password, credential } = await createSmtpCredential(ctx, ownerId, input);
      return reply.code(201).send({ ...credential, password });
    },
  );
}
