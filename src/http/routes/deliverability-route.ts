/**
 * Deliverability metrics (feedback/deliverability.ts) per campaign, server, recipient domain or
 * day. A sender's numbers are their own messages'; an admin's, everyone's.
 */
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { readDeliverability } from '../../feedback/deliverability.js';
import { InputError } from '../../lib/input-error.js';
import { requireUser } from '../auth.js';
import type { HttpContext } from '../context.js';

const time = (field: string, value: string | undefined): number | undefined => {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new InputError(field, 'must be an ISO 8601 time');
  return ms;
};

export function deliverabilityRoute(app: FastifyInstance, ctx: HttpContext): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/deliverability',
    {
      schema: {
        summary: 'Delivered, hard and soft bounce rate, complaint rate, unique human open rate, click rate, click-to-open and unsubscribe rate, grouped',
        querystring: z.object({
          by: z.enum(['campaign', 'server', 'domain', 'day']).default('day'),
          since: z.string().max(40).optional(),
          until: z.string().max(40).optional(),
          campaign: z.string().max(100).optional(),
        }),
      },
    },
    async (request) => {
      const user = requireUser(request);
      const q = request.query;
      const rows = await readDeliverability(ctx.store, { by: q.by, since: time('since', q.since), until: time('until', q.until), campaignId: q.campaign, userId: user.role === 'admin' ? undefined : user.id });
      return { by: q.by, rows };
    },
  );
}
