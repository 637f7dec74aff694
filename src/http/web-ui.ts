/**
 * The web UI: the built single-page app (dist/web, made by `npm run build`) served at `/`.
 * Any GET outside /api that is not a file answers index.html, so a page's address can be
 * reloaded or shared. Hashed assets are cached for good; index.html never is.
 *
 * The Content-Security-Policy allows only our own scripts. Images may come from anywhere because
 * an email's HTML is shown in a sandboxed frame whose own policy blocks remote images until the
 * viewer asks for them (a frame's policy can only narrow the page's, never widen it).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyStatic from '@fastify/static';
import { packageRoot } from '../lib/package-root.js';
import { errorBody } from './api-error.js';

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  'img-src * data: blob:',
  "font-src 'self' data:",
  "connect-src 'self'",
  "frame-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const webUiRoot = (): string => path.join(packageRoot(), 'dist', 'web');

function secureHeaders(reply: FastifyReply): void {
  void reply.header('content-security-policy', CSP);
  void reply.header('x-content-type-options', 'nosniff');
  void reply.header('referrer-policy', 'same-origin');
  void reply.header('x-frame-options', 'DENY');
}

/** Serves the UI when it has been built; without it `/` says how to build it. */
export async function registerWebUi(app: FastifyInstance, root = webUiRoot()): Promise<void> {
  const built = existsSync(path.join(root, 'index.html'));
  if (built) {
    await app.register(fastifyStatic, {
      root,
      wildcard: false,
      index: false,
      cacheControl: false,
      setHeaders: (reply, file) => {
        void reply.header('cache-control', file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
  }
  const page = async (request: FastifyRequest, reply: FastifyReply) => {
    secureHeaders(reply);
    if (!built) return reply.code(503).type('text/plain').send('The web UI is not built: run `npm run build`. The API is at /api/v1.');
    return reply.sendFile('index.html');
  };
  app.get('/', page);
  app.setNotFoundHandler((request, reply) => {
    const url = request.url;
    const isPage = request.method === 'GET' && !url.startsWith('/api/') && !/\.[a-z0-9]+(\?|$)/i.test(url.split('?')[0]!);
    if (isPage) return page(request, reply);
    return reply.code(404).send(errorBody('not_found', 'no such endpoint'));
  });
  if (built) {
    // Files under dist/web (hashed assets): found by @fastify/static's own routes for the paths it saw at start.
    app.addHook('onSend', async (request, reply, payload) => {
      if (!request.url.startsWith('/api/')) secureHeaders(reply);
      return payload;
    });
  }
}
