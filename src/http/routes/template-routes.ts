/** Templates over HTTP: list, create, read, change (compiled on save, errors with line and column), and preview as a contact. */
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { contactScope, createTemplate, findTemplate, listTemplates, normalizeEmail, prepareTemplate, renderTemplate, updateTemplate } from '../../campaigns/index.js';
import type { TemplateRow } from '../../store/index.js';
import { enqueueMessage } from '../../spool/index.js';
import { InputError } from '../../lib/input-error.js';
import { requireUser } from '../auth.js';
import { notFound } from '../api-error.js';
import type { HttpContext } from '../context.js';

const view = (t: TemplateRow) => ({
  id: t.id,
  name: t.name,
  format: t.format,
  subject: t.subject,
  source: t.source,
  text: t.text,
  html: t.html,
  textGenerated: t.text_generated,
  createdAt: new Date(Number(t.created_at)).toISOString(),
  updatedAt: new Date(Number(t.updated_at)).toISOString(),
});

const body = z.object({
  name: z.string().max(100),
  format: z.enum(['html', 'mjml']).optional(),
  subject: z.string().max(998),
  source: z.string().max(5_000_000),
  text: z.string().max(5_000_000).nullable().optional(),
});
const params = z.object({ id: z.string().max(200) });

/** The contact to render as: the one with this address, or sample values. */
async function previewContact(ctx: HttpContext, email: string | undefined) {
  if (!email) return { email: 'someone@example.com', name: 'Sample Contact', fields: '{}', time_zone: null };
  const found = await ctx.store.db.selectFrom('contacts').select(['email', 'name', 'fields', 'time_zone']).where('email', '=', normalizeEmail(email)).executeTakeFirst();
  if (!found) throw new InputError('contact', `no contact ${email}`);
  return found;
}

export function templateRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  const existing = (id: string) =>
    findTemplate(ctx.store, id).catch((error: unknown) => {
      if (error instanceof InputError) throw notFound('template');
      throw error;
    });
  typed.get('/templates', { schema: { summary: 'Templates (shared by every user)' } }, async (request) => {
    requireUser(request);
    return { templates: (await listTemplates(ctx.store)).map(view) };
  });
  typed.post('/templates', { schema: { summary: 'Create a template; a Liquid or MJML error names the field with line and column', body } }, async (request, reply) => {
    requireUser(request);
    return reply.code(201).send(view(await createTemplate(ctx.store, ctx.clock, request.body)));
  });
  typed.get('/templates/:id', { schema: { summary: 'One template', params } }, async (request) => {
    requireUser(request);
    return view(await existing(request.params.id));
  });
  typed.patch('/templates/:id', { schema: { summary: 'Change a template (compiled again)', params, body: body.partial() } }, async (request) => {
    requireUser(request);
    const template = await existing(request.params.id);
    return view(await updateTemplate(ctx.store, ctx.clock, template.id, request.body));
  });
  typed.post(
    '/templates/:id/test',
    {
      schema: {
        summary: 'Send the template, rendered for a contact (or sample values), to an address, as a normal message',
        params,
        body: z.object({ to: z.string().max(254), from: z.string().max(500), contact: z.string().max(254).optional(), server: z.string().max(200).optional() }),
      },
    },
    async (request, reply) => {
      const user = requireUser(request);
      const template = await existing(request.params.id);
      const rendered = renderTemplate(prepareTemplate(template), contactScope(await previewContact(ctx, request.body.contact)));
      const id = await enqueueMessage(
        { store: ctx.store, clock: ctx.clock, lifetimeMs: ctx.config.retry.lifetimeMs },
        { from: request.body.from, to: [request.body.to], subject: `[Test] ${rendered.subject}`, html: rendered.html, text: rendered.text, tags: ['template-test'], ...(request.body.server ? { server: request.body.server } : {}) },
        { userId: user.id },
      );
      return reply.code(202).send({ id });
    },
  );
  typed.post(
    '/templates/:id/preview',
    { schema: { summary: 'The template rendered for one contact (by email), or for sample values', params, body: z.object({ contact: z.string().max(254).optional() }) } },
    async (request) => {
      requireUser(request);
      const template = await existing(request.params.id);
      return renderTemplate(prepareTemplate(template), contactScope(await previewContact(ctx, request.body.contact)));
    },
  );
}
