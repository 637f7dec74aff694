/** The pre-send check over HTTP: a raw message, a campaign or a template (sent From an address). */
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { createDnsLookup, dnsOptionsOf } from '../../domains/dns.js';
import { presendCampaign, presendMessage, presendTemplate } from '../../domains/run-presend-check.js';
import { InputError } from '../../lib/input-error.js';
import { requireUser } from '../auth.js';
import { notFound } from '../api-error.js';
import type { HttpContext } from '../context.js';

const body = z
  .object({
    raw: z.string().max(30_000_000).optional().describe('The message (RFC 5322), as text or base64 with encoding "base64"'),
    encoding: z.enum(['text', 'base64']).default('text'),
    campaign: z.string().max(200).optional(),
    template: z.string().max(200).optional(),
    from: z.string().max(500).optional().describe('From for a template'),
  })
  .refine((b) => [b.raw, b.campaign, b.template].filter((x) => x !== undefined).length === 1, { message: 'give one of raw, campaign or template', path: ['raw'] });

export function presendCheckRoute(app: FastifyInstance, ctx: HttpContext): void {
  app.withTypeProvider<ZodTypeProvider>().post('/check', { schema: { summary: 'Pre-send check: authentication of the sending path and the content, each with a penalty and why; an overall score', body } }, async (request) => {
    const user = requireUser(request);
    const dns = createDnsLookup(dnsOptionsOf(ctx.config.dns));
    const deps = { store: ctx.store, dataDir: ctx.config.dataDir };
    const { raw, encoding, campaign, template, from } = request.body;
    if (raw !== undefined) return presendMessage(deps, Buffer.from(raw, encoding === 'base64' ? 'base64' : 'utf8'), dns);
    if (campaign !== undefined) {
      const row = await ctx.store.db.selectFrom('campaigns').select(['id', 'user_id']).where((eb) => eb.or([eb('id', '=', campaign), eb('name', '=', campaign)])).executeTakeFirst();
      if (!row || (user.role !== 'admin' && row.user_id !== user.id)) throw notFound('campaign');
      return presendCampaign(deps, row.id, dns);
    }
    if (!from) throw new InputError('from', 'is required to check a template');
    return presendTemplate(deps, template!, from, dns);
  });
}
