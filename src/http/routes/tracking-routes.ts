/**
 * The open pixel and the click redirect: public (a mail client fetches them), outside /api/v1,
 * signed so that nobody can record for a message they were not sent, and a click link redirects
 * only to the URL it was signed for — a bad or tampered token answers 404 without a Location.
 * HEAD requests (fastify answers them with the GET handler) are recorded as a machine's.
 */
import { z } from 'zod';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { loadAgentRules, recordEngagement, trackingTokens, type EngagementContext } from '../../tracking/index.js';
import { errorBody } from '../api-error.js';
import type { HttpContext } from '../context.js';

/** A transparent 1×1 GIF89a. */
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

/**
 * Wildcards, not `:token` parameters: a signed URL can be longer than the router's parameter
 * limit, and a path that is too long must still be our 404, not the web UI's page.
 */
const wildcard = z.object({ '*': z.string() });

const hitOf = (request: FastifyRequest) => ({ method: request.method, userAgent: request.headers['user-agent'] ?? null, ip: request.ip || null });

/**
 * No Referer from here: the address holds the message's token. Set in the route's own onSend,
 * which runs after the web UI's (whose policy is for its pages).
 */
async function noReferrer(_request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
  void reply.header('referrer-policy', 'no-referrer');
  return payload;
}

const notFound = (reply: FastifyReply) => reply.code(404).header('cache-control', 'no-store').send(errorBody('not_found', 'no such link'));

export function trackingRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const tokens = trackingTokens(ctx.secrets.derive('tracking'));
  const engagements: EngagementContext = { store: ctx.store, clock: ctx.clock, rules: loadAgentRules(ctx.config.dataDir) };
  const typed = app.withTypeProvider<ZodTypeProvider>();

  typed.get('/t/o/*', { schema: { hide: true, params: wildcard }, onSend: noReferrer }, async (request, reply) => {
    const messageId = tokens.readOpen(request.params['*']);
    if (messageId === null) return notFound(reply);
    const recorded = await recordEngagement(engagements, { kind: 'open', messageId, ...hitOf(request) });
    if (recorded === null) return notFound(reply);
    return reply.header('cache-control', 'no-store, no-cache, must-revalidate, private').header('expires', '0').type('image/gif').send(PIXEL);
  });

  typed.get('/t/c/*', { schema: { hide: true, params: wildcard }, onSend: noReferrer }, async (request, reply) => {
    const link = tokens.readClick(request.params['*']);
    if (link === null) return notFound(reply);
    let location: string;
    try {
      // Percent-encodes what a header may not carry; the URL itself is the one we signed.
      location = new URL(link.url).href;
    } catch {
      return notFound(reply);
    }
    const recorded = await recordEngagement(engagements, { kind: 'click', messageId: link.messageId, url: link.url, ...hitOf(request) });
    if (recorded === null) return notFound(reply);
    return reply.code(302).header('location', location).header('cache-control', 'no-store').send();
  });
}
