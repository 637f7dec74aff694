/**
 * The dashboard's numbers: outcomes per hour, the queue, and (for admins) each server's health.
 * A sender's numbers count only their own messages.
 */
import { z } from 'zod';
import { SERVER_KINDS } from '../../store/index.js';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { readActivity, readQueue, readServerActivity, type ServerActivity } from '../../spool/index.js';
import { listServers, type OutgoingServer } from '../../servers/index.js';
import { requireUser } from '../auth.js';
import type { HttpContext } from '../context.js';

const counts = z.object({ sent: z.number(), deferred: z.number(), failed: z.number() });
const iso = (ms: number): string => new Date(ms).toISOString();

/** Failing: in the last 15 minutes, at least this many deferrals or failures and nothing sent. */
const FAILING_AFTER = 3;

export type ServerHealth = 'ok' | 'failing' | 'paused' | 'inactive' | 'idle';

export function serverHealth(server: OutgoingServer, activity: ServerActivity | undefined, now: number): ServerHealth {
  if (!server.active) return 'inactive';
  if (server.pausedUntil !== null && server.pausedUntil > now) return 'paused';
  if (activity && activity.recentErrors >= FAILING_AFTER && activity.recentSent === 0) return 'failing';
  if (!activity || activity.lastHour.sent + activity.lastHour.deferred + activity.lastHour.failed === 0) return 'idle';
  return 'ok';
}

export function getStatsRoute(app: FastifyInstance, ctx: HttpContext): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/stats',
    {
      schema: {
        summary: "Outcomes per hour, the queue, and each server's recent activity and health (servers: admin only)",
        querystring: z.object({ hours: z.coerce.number().int().min(1).max(168).default(24).describe('How many hours back') }),
        response: {
          200: z.object({
            since: z.string(),
            until: z.string(),
            bucketMs: z.number(),
            buckets: z.array(counts.extend({ start: z.string() })),
            totals: counts,
            queue: z.object({ queued: z.number(), deferred: z.number(), sending: z.number(), oldestDueAt: z.string().nullable() }).describe('Recipients waiting to be delivered'),
            servers: z.array(
              z.object({
                id: z.string(),
                name: z.string(),
                kind: z.enum(SERVER_KINDS),
                active: z.boolean(),
                health: z.enum(['ok', 'failing', 'paused', 'inactive', 'idle']),
                lastHour: counts,
                last24h: counts,
                lastError: z.object({ at: z.string(), code: z.number().nullable(), response: z.string().nullable() }).nullable(),
              }),
            ),
          }),
        },
      },
    },
    async (request) => {
      const user = requireUser(request);
      const now = ctx.clock.now();
      const userId = user.role === 'admin' ? undefined : user.id;
      const [activity, queue] = await Promise.all([readActivity(ctx.store, { userId, now, hours: request.query.hours }), readQueue(ctx.store, userId)]);
      const servers = user.role === 'admin' ? await listServers(ctx.store) : [];
      const byServer = servers.length ? await readServerActivity(ctx.store, now) : new Map<string, ServerActivity>();
      return {
        since: iso(activity.start),
        until: iso(activity.end),
        bucketMs: activity.bucketMs,
        buckets: activity.buckets.map(({ start, ...rest }) => ({ start: iso(start), ...rest })),
        totals: activity.totals,
        queue: { ...queue, oldestDueAt: queue.oldestDueAt === null ? null : iso(queue.oldestDueAt) },
        servers: servers.map((server) => {
          const seen = byServer.get(server.id);
          const lastError = seen?.lastError ?? null;
          return {
            id: server.id,
            name: server.name,
            kind: server.kind,
            active: server.active,
            health: serverHealth(server, seen, now),
            lastHour: seen?.lastHour ?? { sent: 0, deferred: 0, failed: 0 },
            last24h: seen?.last24h ?? { sent: 0, deferred: 0, failed: 0 },
            lastError: lastError && {
              at: iso(lastError.at),
              code: lastError.code,
              response: [lastError.enhanced, lastError.response ?? lastError.detail].filter(Boolean).join(' ') || null,
            },
          };
        }),
      };
    },
  );
}
