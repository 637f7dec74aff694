/** Segments over HTTP: saved filters over contacts, with a count for the editor's live preview. */
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { countSegment, findSegment, listSegments, parseSegment, saveSegment } from '../../campaigns/index.js';
import type { SegmentRow } from '../../store/index.js';
import { InputError } from '../../lib/input-error.js';
import { requireUser } from '../auth.js';
import { notFound } from '../api-error.js';
import type { HttpContext } from '../context.js';

const view = (s: SegmentRow) => ({ id: s.id, name: s.name, definition: JSON.parse(s.definition) as unknown, createdAt: new Date(Number(s.created_at)).toISOString(), updatedAt: new Date(Number(s.updated_at)).toISOString() });
const body = z.object({ name: z.string().max(100), definition: z.unknown().describe('{ match: "all" | "any", conditions: [...] } (see the user guide)') });

export function segmentRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  typed.get('/segments', { schema: { summary: 'Segments (shared by every user)' } }, async (request) => {
    requireUser(request);
    return { segments: (await listSegments(ctx.store)).map(view) };
  });
  typed.post('/segments', { schema: { summary: 'Save a segment', body } }, async (request, reply) => {
    requireUser(request);
    return reply.code(201).send(view(await saveSegment(ctx.store, ctx.clock, request.body)));
  });
  typed.put('/segments/:id', { schema: { summary: 'Change a segment', params: z.object({ id: z.string().max(100) }), body } }, async (request) => {
    requireUser(request);
    const segment = await findSegment(ctx.store, request.params.id).catch((error: unknown) => {
      if (error instanceof InputError) throw notFound('segment');
      throw error;
    });
    return view(await saveSegment(ctx.store, ctx.clock, request.body, segment.id));
  });
  typed.post('/segments/count', { schema: { summary: 'How many contacts a (possibly unsaved) definition matches', body: z.object({ definition: z.unknown() }) } }, async (request) => {
    requireUser(request);
    return { contacts: await countSegment(ctx.store, parseSegment(request.body.definition), ctx.clock.now()) };
  });
}
