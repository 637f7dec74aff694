/**
 * Probes for supervisors and load balancers, outside /api/v1 and without authentication:
 * `GET /healthz` says the process is up (it answers while the event loop turns), `GET /readyz`
 * whether it should be sent work, with each check's finding (src/ops/readiness.ts).
 */
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { checkReadiness, type ReadinessOptions } from '../../ops/readiness.js';
import type { HttpContext } from '../context.js';

const check = z.object({ ok: z.boolean(), detail: z.string().describe('What the check found, or why it failed') });
const checks = z.object({
  database: check.describe('The database answers `select 1` within 2 s'),
  migrations: check.extend({ pending: z.array(z.string()), unknown: z.array(z.string()) }).describe('The schema is the one this build knows'),
  workers: check.extend({ running: z.boolean().nullable().describe('null: no delivery worker runs in this process (serve --no-workers)') }).describe("This process's delivery worker runs"),
  servers: check.extend({ resting: z.array(z.object({ server: z.string(), reason: z.string() })) }).describe('No active server rests until its account is reconnected'),
});

export function healthRoutes(app: FastifyInstance, ctx: HttpContext, options: ReadinessOptions = {}): void {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  typed.get(
    '/healthz',
    { schema: { summary: 'Liveness: the process is up', security: [], response: { 200: z.object({ status: z.literal('ok') }) } } },
    async (_request, reply) => {
      void reply.header('cache-control', 'no-store');
      return { status: 'ok' as const };
    },
  );
  typed.get(
    '/readyz',
    {
      schema: {
        summary: 'Readiness: database reachable, migrations current, workers running, no server waiting for its account to be reconnected',
        security: [],
        response: {
          200: z.object({ ready: z.literal(true), checks }),
          503: z.object({ ready: z.literal(false), checks, reasons: z.array(z.string()).describe('One sentence per failing check') }),
        },
      },
    },
    async (_request, reply) => {
      const readiness = await checkReadiness(ctx, options);
      void reply.header('cache-control', 'no-store');
      if (readiness.ready) return { ready: true as const, checks: readiness.checks };
      return reply.code(503).send({ ready: false as const, checks: readiness.checks, reasons: readiness.reasons });
    },
  );
}
