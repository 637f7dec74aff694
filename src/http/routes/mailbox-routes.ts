/** Mailboxes polled for bounces and complaints (admin): list, add, remove, poll now. The password is never shown. */
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { addMailbox, findMailbox, listMailboxes, publicMailbox, removeMailbox } from '../../feedback/manage-mailboxes.js';
import { pollOnce } from '../../feedback/poll-mailboxes.js';
import { loadBounceRules } from '../../feedback/bounce-rules.js';
import { InputError } from '../../lib/input-error.js';
import { requireAdmin } from '../auth.js';
import { notFound } from '../api-error.js';
import type { HttpContext } from '../context.js';

export function mailboxRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  const existing = (id: string) =>
    findMailbox(ctx.store, id).catch((error: unknown) => {
      if (error instanceof InputError) throw notFound('mailbox');
      throw error;
    });

  typed.get('/mailboxes', { schema: { summary: 'Polled mailboxes and how their last poll went (admin)' } }, async (request) => {
    requireAdmin(request);
    return { mailboxes: (await listMailboxes(ctx.store)).map(publicMailbox) };
  });

  typed.post('/mailboxes', { schema: { summary: 'Poll an IMAP or POP3 mailbox for bounces and complaints (admin)', body: z.record(z.string(), z.unknown()) } }, async (request, reply) => {
    requireAdmin(request);
    return reply.code(201).send(publicMailbox(await addMailbox(ctx, request.body)));
  });

  typed.delete('/mailboxes/:id', { schema: { summary: 'Stop polling a mailbox (admin)', params: z.object({ id: z.string().max(200) }) } }, async (request) => {
    requireAdmin(request);
    const row = await existing(request.params.id);
    await removeMailbox(ctx.store, row.id);
    return publicMailbox(row);
  });

  typed.post('/mailboxes/:id/poll', { schema: { summary: 'Poll a mailbox now (admin)', params: z.object({ id: z.string().max(200) }) } }, async (request) => {
    requireAdmin(request);
    const row = await existing(request.params.id);
    const outcome = await pollOnce({ store: ctx.store, clock: ctx.clock, log: ctx.log, secrets: ctx.secrets, bounceRules: loadBounceRules(ctx.config.dataDir), verpKey: ctx.secrets.derive('verp') }, row);
    return outcome.ok ? { ok: true, ...outcome.result } : { ok: false, step: outcome.error.step, error: outcome.error.message };
  });
}
