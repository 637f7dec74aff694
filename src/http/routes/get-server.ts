import { z } from 'zod';
import { SERVER_AUTHS, SERVER_KINDS, SERVER_SECURITIES } from '../../store/index.js';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { findServer, publicServer, type OutgoingServer } from '../../servers/index.js';
import { describeServerState } from '../../servers/describe-server-state.js';
import { InputError } from '../../lib/input-error.js';
import { requireAdmin } from '../auth.js';
import { notFound } from '../api-error.js';
import { grantStatus } from '../../oauth/index.js';
import { readDestinationUsage, readQuotaUsage } from '../../servers/read-server-usage.js';
import type { HttpContext } from '../context.js';

export const serverParams = z.object({ id: z.string().max(200).describe('Server id or name') });

/**
 * A server as the API shows it (`publicServer`). Secrets are write-only: `hasSecret` tells whether
 * one is set. As a response schema this also strips any field not listed here.
 */
export const serverView = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(SERVER_KINDS),
  priority: z.number(),
  fromFilter: z.string(),
  active: z.boolean(),
  host: z.string(),
  port: z.number(),
  security: z.enum(SERVER_SECURITIES),
  auth: z.enum(SERVER_AUTHS),
  username: z.string().nullable(),
  tlsVerify: z.boolean(),
  tlsCa: z.string().nullable(),
  maxConcurrent: z.number().nullable(),
  perMinute: z.number().nullable(),
  perHour: z.number().nullable(),
  perDay: z.number().nullable(),
  pausedUntil: z.string().nullable(),
  pauseReason: z.string().nullable(),
  pauseCount: z.number(),
  ehloName: z.string().nullable(),
  sourceAddresses: z.array(z.string()),
  account: z.string().nullable().describe('Gmail / Microsoft: the account it sends as'),
  throttleLevel: z.number().describe('0: full speed; each level halves concurrency and rate after a provider asked to slow down'),
  throttleUntil: z.string().nullable().describe('When the level steps down by one'),
  throttleReason: z.string().nullable(),
  throttleRate: z.number().nullable().describe('While slowed down: the most messages per minute'),
  throttlePeriod: z.number().nullable().describe('How long each slow-down level lasts, in milliseconds'),
  healthFailures: z.number().describe('Connection or TLS failures in a row'),
  unhealthySince: z.string().nullable().describe('Set while routing passes the server over; a successful Test Connection clears it'),
  unhealthyReason: z.string().nullable(),
  state: z.enum(['inactive', 'paused', 'unhealthy', 'slowed', 'active']),
  stateText: z.string().describe('The state in one line: "paused until 2026-12-02 14:05 UTC because: 421 4.7.0 …"'),
  createdAt: z.string(),
  updatedAt: z.string(),
  hasSecret: z.boolean().describe('Whether a password or client certificate is set; secrets are never returned'),
  oauthConnected: z.boolean().optional().describe('Gmail / Microsoft with oauth2 (shown by GET /servers/:id): the account is connected and its grant not revoked'),
  oauthRevoked: z.boolean().optional().describe('The grant was revoked: the server rests until the account is connected again'),
  oauthClientId: z.string().nullable().optional().describe('The OAuth client id kept for connecting (its secret is never shown); null: the next connect must give one'),
  quotas: z
    .array(z.object({ window: z.enum(['minute', 'hour', 'day']), limit: z.number(), used: z.number(), resetsAt: z.string() }))
    .optional()
    .describe('GET /servers/:id: each quota of the server and how much of it the current window has used (reserved by workers), cluster-wide'),
  destinations: z
    .array(z.object({ destination: z.string(), state: z.enum(['paused', 'slowed']), until: z.string(), reason: z.string(), rate: z.number().nullable(), level: z.number() }))
    .optional()
    .describe('GET /servers/:id of a direct server: destinations (rules/shaping.txt) paused or slowed down by their own answers'),
});

/** A server as the API shows it: everything but its secrets. */
export function showServer(server: OutgoingServer, now = Date.now()): z.infer<typeof serverView> {
  const { state, text } = describeServerState(server, now);
  return { ...publicServer(server), state, stateText: text };
}

/** The server with this id (or name); 404 when there is none. */
export async function existingServer(ctx: HttpContext, id: string): Promise<OutgoingServer> {
  try {
    return await findServer(ctx.store, id, 'id');
  } catch (error) {
    if (error instanceof InputError) throw notFound('server');
    throw error;
  }
}

export function getServerRoute(app: FastifyInstance, ctx: HttpContext): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/servers/:id',
    { schema: { summary: 'One outgoing server (admin)', params: serverParams, response: { 200: serverView } } },
    async (request) => {
      requireAdmin(request);
      const server = await existingServer(ctx, request.params.id);
      const now = ctx.clock.now();
      const iso = (ms: number) => new Date(ms).toISOString();
      const [quotas, destinations] = await Promise.all([readQuotaUsage(ctx.store, server, now), readDestinationUsage(ctx.store, server, now)]);
      const view = {
        ...showServer(server, now),
        quotas: quotas.map((q) => ({ ...q, resetsAt: iso(q.resetsAt) })),
        ...(server.kind === 'direct' ? { destinations: destinations.map((d) => ({ ...d, until: iso(d.until) })) } : {}),
      };
      if (server.auth !== 'oauth2') return view;
      const grant = await grantStatus(ctx.store, server.id);
      return { ...view, oauthConnected: grant.connected, oauthRevoked: grant.revoked, oauthClientId: grant.clientId };
    },
  );
}
