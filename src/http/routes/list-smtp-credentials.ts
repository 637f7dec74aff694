import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { findUser, listSmtpCredentials } from '../../users/index.js';
import { requireUser } from '../auth.js';
import { ApiError } from '../api-error.js';
import type { HttpContext } from '../context.js';

/** A relay login as listed: never its password, which is shown once, when it is created. */
export const smtpCredentialView = z.object({
  id: z.string(),
  userId: z.string(),
  name: z.string(),
  username: z.string().describe('The SMTP AUTH username (smtp_…); not a secret'),
  allowedFrom: z.array(z.string()).describe('The From addresses and domains it may send as'),
  lane: z.enum(['transactional', 'bulk']),
  server: z.string().nullable().describe('The server all its mail goes through, by name; null: routing decides'),
  track: z.object({ opens: z.boolean(), clicks: z.boolean() }).describe('Open and click tracking of its messages\' HTML; a message\'s X-Postroom-Track header (opens, clicks, "opens, clicks" or none) overrides it'),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});

/**
 * What an application needs besides the login. The HTTP API cannot know the relay's port (a flag
 * of `postroom serve`), but the certificate is config, and without one the relay refuses to listen
 * beyond loopback, so `starttls: false` also means "only from this machine".
 */
const relayView = z.object({
  starttls: z.boolean().describe('Whether the relay offers STARTTLS (a certificate is configured); without it the relay listens on loopback only'),
});

export function listSmtpCredentialsRoute(app: FastifyInstance, ctx: HttpContext): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/smtp-credentials',
    {
      schema: {
        summary: "SMTP relay logins: your own, or everyone's for an admin",
        querystring: z.object({ userId: z.string().max(254).optional().describe("Only this user's logins (admin only, or your own id)") }),
        response: { 200: z.object({ smtpCredentials: z.array(smtpCredentialView), relay: relayView }) },
      },
    },
    async (request) => {
      const user = requireUser(request);
      const { userId } = request.query;
      if (userId !== undefined && userId !== user.id && user.role !== 'admin') throw new ApiError(403, 'forbidden', "only an admin may list another user's SMTP logins", 'userId');
      const ownerId = user.role !== 'admin' ? user.id : userId === undefined ? undefined : (await findUser(ctx.store, userId, 'userId')).id;
      const starttls = Boolean(ctx.config.smtp.tlsCert && ctx.config.smtp.tlsKey);
      return { smtpCredentials: await listSmtpCredentials(ctx.store, ownerId), relay: { starttls } };
    },
  );
}
