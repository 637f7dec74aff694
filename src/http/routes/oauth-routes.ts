/**
 * Connecting a Gmail or Microsoft server's account over the API (the web UI's Connect button):
 *
 *   POST /api/v1/servers/:id/oauth/start   (admin) stores the OAuth client, answers the
 *        provider's sign-in address; the browser goes there
 *   GET  /api/v1/oauth/callback            where the provider sends the browser back; completes
 *        the grant and redirects to the web UI's Servers page with `?connected=NAME` or
 *        `?oauth_error=…`
 *
 * The callback needs no login: the provider's redirect may arrive in a browser without our
 * session cookie, and the single-use, unguessable `state` (RFC 6749 §10.12) with the PKCE
 * verifier that never left this server is what ties it to the admin who started it.
 */
import { z } from 'zod';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { completeAuthorization, startAuthorization, type OAuthDeps } from '../../oauth/index.js';
import { requireAdmin } from '../auth.js';
import type { HttpContext } from '../context.js';
import { existingServer, serverParams } from './get-server.js';

const singleLine = z.string().refine((v) => !/[\r\n\u0000]/.test(v), 'must not contain CR, LF or NUL');

const startBody = z
  .object({
    redirectUri: singleLine.max(2000).optional().describe('Where the provider sends the browser back; default {publicUrl}/api/v1/oauth/callback'),
    clientId: singleLine.max(500).optional().describe('OAuth client id (Google Cloud / Microsoft Entra app); kept for later connects'),
    clientSecret: z.string().max(2000).optional().describe('Its client secret; write-only, stored sealed'),
  })
  .strict();

const started = z.object({
  authorizeUrl: z.string().describe("The provider's sign-in page: open it in the browser"),
  redirectUri: z.string(),
  expiresAt: z.string().describe('The sign-in must be finished before this'),
});

const callbackQuery = z.object({
  state: z.string().max(500).optional(),
  code: z.string().max(5000).optional(),
  error: z.string().max(200).optional(),
  error_description: z.string().max(2000).optional(),
});

const oauthDeps = (ctx: HttpContext): OAuthDeps => ({ store: ctx.store, clock: ctx.clock, secrets: ctx.secrets, oauth: ctx.config.oauth });

/** The callback on this Postroom: at the public address when one is configured, else where this request came. */
function defaultRedirectUri(ctx: HttpContext, request: FastifyRequest): string {
  const base = ctx.config.oauth.publicUrl?.replace(/\/+$/, '') ?? `${request.protocol}://${request.host}`;
  return `${base}/api/v1/oauth/callback`;
}

export function oauthStartRoute(app: FastifyInstance, ctx: HttpContext): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    '/servers/:id/oauth/start',
    { schema: { summary: "Start connecting a Gmail or Microsoft server's account with OAuth 2.0 (admin)", params: serverParams, body: startBody.nullish(), response: { 200: started } } },
    async (request) => {
      requireAdmin(request);
      const server = await existingServer(ctx, request.params.id);
      const body = request.body ?? {};
      const result = await startAuthorization(oauthDeps(ctx), server, {
        redirectUri: body.redirectUri ?? defaultRedirectUri(ctx, request),
        clientId: body.clientId,
        clientSecret: body.clientSecret,
      });
      return { authorizeUrl: result.authorizeUrl, redirectUri: result.redirectUri, expiresAt: new Date(result.expiresAt).toISOString() };
    },
  );
}

export function oauthCallbackRoute(app: FastifyInstance, ctx: HttpContext): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/oauth/callback',
    { schema: { summary: 'Where the provider sends the browser back after sign-in; redirects to the web UI', querystring: callbackQuery, hide: true } },
    async (request, reply) => {
      const q = request.query;
      const done = q.state
        ? await completeAuthorization(oauthDeps(ctx), { state: q.state, code: q.code, error: q.error, errorDescription: q.error_description })
        : ({ ok: false, reason: 'the provider sent no state', server: null } as const);
      const params = new URLSearchParams(done.ok ? { connected: done.server.name } : { oauth_error: done.reason, ...(done.server ? { server: done.server.name } : {}) });
      if (!done.ok) request.log.warn({ server: done.server?.name, reason: done.reason }, 'OAuth connect failed');
      return reply.header('cache-control', 'no-store').redirect(`/servers?${params.toString()}`, 302);
    },
  );
}
