/**
 * Logging in and out of the web UI. `POST /session` is the one route without authentication; it
 * answers the same for an unknown email and a wrong password.
 */
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { checkLogin, createSession, endSession, endOtherSessions, changePassword, SESSION_LIFETIME_MS } from '../../users/index.js';
import { ApiError } from '../api-error.js';
import { requireUser, SESSION_COOKIE } from '../auth.js';
import type { HttpContext } from '../context.js';

const userView = z.object({ id: z.string(), email: z.string(), role: z.enum(['admin', 'sender']), mustChangePassword: z.boolean() });
const sessionView = z.object({ user: userView, csrfToken: z.string().nullable() });

const cookieOptions = (secure: boolean) => ({ path: '/', httpOnly: true, sameSite: 'strict' as const, secure, maxAge: SESSION_LIFETIME_MS / 1000 });
const view = (user: { id: string; email: string; role: 'admin' | 'sender'; mustChangePassword: boolean }) => ({
  id: user.id,
  email: user.email,
  role: user.role,
  mustChangePassword: user.mustChangePassword,
});

/** The public route: log in. */
export function loginRoute(app: FastifyInstance, ctx: HttpContext): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    '/session',
    {
      schema: {
        summary: 'Log in with email and password; sets the session cookie and returns the CSRF token',
        security: [],
        body: z.object({ email: z.string().max(254), password: z.string().max(1000) }),
        response: { 200: sessionView },
      },
    },
    async (request, reply) => {
      const user = await checkLogin(ctx.store, request.body.email, request.body.password);
      if (!user) throw new ApiError(401, 'unauthorized', 'wrong email or password');
      const { token, csrfToken } = await createSession(ctx, user.id);
      void reply.setCookie(SESSION_COOKIE, token, cookieOptions(request.protocol === 'https'));
      return { user: view(user), csrfToken };
    },
  );
}

/** The authenticated routes: who am I, log out, change password. */
export function sessionRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  typed.get('/session', { schema: { summary: 'The signed-in user (and the CSRF token for a cookie session)', response: { 200: sessionView } } }, async (request) => ({
    user: view(requireUser(request)),
    csrfToken: request.session?.csrfToken ?? null,
  }));
  typed.delete('/session', { schema: { summary: 'Log out' } }, async (request, reply) => {
    if (request.session) await endSession(ctx.store, request.session.token);
    void reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.code(204).send();
  });
  typed.post(
    '/session/password',
    {
      schema: {
        summary: 'Change your password (required after the one-time password); ends your other sessions',
        body: z.object({ currentPassword: z.string().max(1000), newPassword: z.string().max(1000) }),
      },
    },
    async (request, reply) => {
      const user = requireUser(request);
      await changePassword(ctx, user.id, request.body.currentPassword, request.body.newPassword);
      await endOtherSessions(ctx.store, user.id, request.session?.token ?? null);
      return reply.code(204).send();
    },
  );
}
