/**
 * Live events as server-sent events (`text/event-stream`), scoped like the event log: a sender
 * receives the events of their own messages. Each event carries its id, so a reconnecting client
 * (`Last-Event-ID`) continues where it left off.
 *
 * The stream reads the event log every half second. Events written by other processes can commit
 * slightly out of id order, so each read looks a few seconds back and skips what was already sent.
 */
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { listEvents, eventView } from '../../spool/index.js';
import { requireUser } from '../auth.js';
import type { HttpContext } from '../context.js';
import { parseTypes } from './list-events.js';

const LOOK_BACK_MS = 5_000;

export function streamEventsRoute(app: FastifyInstance, ctx: HttpContext, closing: AbortSignal, pollMs = 500): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/events/stream',
    {
      schema: {
        summary: 'Live events (server-sent events); reconnect with Last-Event-ID to resume',
        querystring: z.object({ type: z.string().optional() }),
        headers: z.object({ 'last-event-id': z.string().max(100).optional() }),
      },
    },
    async (request, reply) => {
      const user = requireUser(request);
      const types = request.query.type ? parseTypes(request.query.type) : undefined;
      const userId = user.role === 'admin' ? undefined : user.id;
      const resumeFrom = request.headers['last-event-id'];
      // Without a place to resume from, the stream starts now: what is already in the log is not sent.
      const sent = new Map<string, number>();
      let since = resumeFrom ? 0 : ctx.clock.now();
      if (!resumeFrom) {
        for (const row of await listEvents(ctx.store, { userId, since: since - LOOK_BACK_MS, order: 'asc', limit: 5000 })) {
          sent.set(row.id, row.created_at);
          since = Math.max(since, row.created_at);
        }
      }

      reply.hijack();
      const out = reply.raw;
      out.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      out.write(': connected\n\n');
      let closed = false;
      request.raw.once('close', () => (closed = true));
      const stop = (): void => void (closed = true);
      closing.addEventListener('abort', stop, { once: true });

      let lastPing = Date.now();
      try {
        while (!closed) {
          const rows = await listEvents(ctx.store, {
            userId,
            types,
            ...(resumeFrom && sent.size === 0 ? { after: resumeFrom } : { since: since - LOOK_BACK_MS }),
            order: 'asc',
            limit: 500,
          });
          for (const row of rows) {
            if (sent.has(row.id)) continue;
            sent.set(row.id, row.created_at);
            since = Math.max(since, row.created_at);
            out.write(`id: ${row.id}\nevent: ${row.type}\ndata: ${JSON.stringify(eventView(row))}\n\n`);
          }
          for (const [id, at] of sent) if (at < since - 2 * LOOK_BACK_MS) sent.delete(id);
          if (Date.now() - lastPing > 15_000) {
            out.write(': ping\n\n');
            lastPing = Date.now();
          }
          await new Promise((resolve) => setTimeout(resolve, pollMs));
        }
      } catch (error) {
        request.log.error({ err: error }, 'event stream failed');
      } finally {
        closing.removeEventListener('abort', stop);
        out.end();
      }
    },
  );
}
