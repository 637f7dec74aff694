/** Who is asking: an API key (`Authorization: Bearer pr_…`). Sessions for the web UI come next. */
import type { FastifyRequest } from 'fastify';
import type { User } from '../users/index.js';
import { ApiError } from './api-error.js';

declare module 'fastify' {
  interface FastifyRequest {
    user: User | null;
  }
}

export type Authenticate = (key: string) => Promise<User | null>;

export function authHook(authenticate: Authenticate) {
  return async (request: FastifyRequest): Promise<void> => {
    const header = request.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) throw new ApiError(401, 'unauthorized', 'an API key is required: Authorization: Bearer <key>');
    const user = await authenticate(match[1]!);
    if (!user) throw new ApiError(401, 'unauthorized', 'the API key is unknown or revoked');
    request.user = user;
  };
}

export function requireUser(request: FastifyRequest): User {
  if (!request.user) throw new ApiError(401, 'unauthorized', 'an API key is required');
  return request.user;
}

export function requireAdmin(request: FastifyRequest): User {
  const user = requireUser(request);
  if (user.role !== 'admin') throw new ApiError(403, 'forbidden', 'only an admin may do this');
  return user;
}
