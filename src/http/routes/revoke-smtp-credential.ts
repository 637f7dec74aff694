import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { revokeSmtpCredential } from '../../users/index.js';
import { InputError } from '../../lib/input-error.js';
import { requireUser } from '../auth.js';
import { notFound } from '../api-error.js';
import type { HttpContext } from '../context.js';
import { smtpCredentialView } from './list-smtp-credentials.js';

/**
 * Revoke a relay login at once (a session logged in with it is refused at its next message).
 * Like API keys: another user's login answers 404 to a sender, as if it did not exist; so does
 * one already revoked.
 */
export function revokeSmtpCredentialRoute(app: FastifyInstance, ctx: HttpContext): void {
  app.withTypeProvider<ZodTypeProvider>().delete(
    '/smtp-credentials/:id',
    {
      schema: {
        summary: 'Revoke an SMTP relay login: your own, or any for an admin',
        params: z.object({ id: z.string().max(100).describe('The id or the username') }),
        response: { 200: smtpCredentialView },
      },
    },
    async (request) => {
      const user = requireUser(request);
      try {
        return await revokeSmtpCredential(ctx, request.params.id, user.role === 'admin' ? undefined : user.id);
      } catch (error) {
        if (error instanceof InputError) throw notFound('SMTP login');
        throw error;
      }
    },
  );
}
