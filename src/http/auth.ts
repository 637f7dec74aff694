/**
 * Who is asking: an API key (`Authorization: Bearer pr_…`), or a login session cookie. A write
 * authenticated by the cookie must also send the session's CSRF token in `X-CSRF-Token`, since a
 * browser attaches cookies to requests other sites make it send, but not headers.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Session, User } from '../users/index.js';
import { ApiError } from './api-error.js';

declare module 'fastify' {
  interface FastifyRequest {
    user: User | null;
    /** Set when the request is authenticated by the session cookie. */
    session: { token: string; csrfToken: string } | null;
    /** Set when the request is authenticated by an API key (rate limits count per key). */
    apiKeyId: string | null;
  }
}

export const SESSION_COOKIE = 'postroom_session';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface Authenticators {
  apiKey(key: string): Promise<{ user: User; keyId: string } | null>;
  session(token: string): Promise<Session | null>;
}

export function authHook(auth: Authenticators) {
  return async (request: FastifyRequest): Promise<void> => {
    const header = request.headers.authorization;
    if (header) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      const found = match ? await auth.apiKey(match[1]!) : null;
      if (!found) throw new ApiError(401, 'unauthorized', 'the API key is unknown or revoked');
      request.user = found.user;
      request.apiKeyId = found.keyId;
      return;
    }
    const token = request.cookies[SESSION_COOKIE];
    if (!token) throw new ApiError(401, 'unauthorized', 'log in, or send an API key: Authorization: Bearer <key>');
    const session = await auth.session(token);
    if (!session) throw new ApiError(401, 'unauthorized', 'the session has ended; log in again');
    if (!SAFE_METHODS.has(request.method) && !sameToken(request.headers['x-csrf-token'], session.csrfToken)) {
      throw new ApiError(403, 'forbidden', 'the X-CSRF-Token header is missing or wrong', 'X-CSRF-Token');
    }
    if (session.user.mustChangePassword && !request.url.startsWith('/api/v1/session')) {
      throw new ApiError(403, 'forbidden', 'change the one-time password first: POST /api/v1/session/password');
    }
    request.user = session.user;
    request.session = { token, csrfToken: session.csrfToken };
  };
}

function sameToken(given: string | string[] | undefined, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function requireUser(request: FastifyRequest): User {
  if (!request.user) throw new ApiError(401, 'unauthorized', 'log in or send an API key');
  return request.user;
}

export function requireAdmin(request: FastifyRequest): User {
  const user = requireUser(request);
  if (user.role !== 'admin') throw new ApiError(403, 'forbidden', 'only an admin may do this');
  return user;
}
