import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { cancelMessage, retryMessage } from '../../spool/index.js';
import { requireUser } from '../auth.js';
import { ApiError } from '../api-error.js';
import { InputError } from '../../lib/input-error.js';
import { visibleMessage, type HttpContext } from '../context.js';

const params = z.object({ id: z.string().max(100) });
const result = z.object({ id: z.string(), status: z.string(), recipients: z.number() });

/** Retry ("send now") and cancel: the owner's or any message for an admin. A message in the wrong state answers 409. */
export function changeMessageRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  const conflict = (error: unknown): never => {
    if (error instanceof InputError) throw new ApiError(409, 'conflict', error.reason, null);
    throw error;
  };
  typed.post('/messages/:id/retry', { schema: { summary: 'Send now: queued, deferred and failed recipients are tried again at once', params, response: { 200: result } } }, async (request) => {
    const message = await visibleMessage(ctx, requireUser(request), request.params.id, 'metadata');
    return retryMessage(ctx.store, ctx.clock, message.id, ctx.config.retry.lifetimeMs).catch(conflict);
  });
  typed.post('/messages/:id/cancel', { schema: { summary: 'Cancel queued, deferred and failed recipients', params, response: { 200: result } } }, async (request) => {
    const message = await visibleMessage(ctx, requireUser(request), request.params.id, 'metadata');
    return cancelMessage(ctx.store, ctx.clock, message.id).catch(conflict);
  });
}
