/**
 * Sending domains over HTTP: every user may read them, their records and checks (so anyone can
 * see why their mail is or is not signed); adding, rotating and removing are an admin's.
 */
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { getSettings } from '../../servers/index.js';
import { addDomain, createDnsLookup, dnsOptionsOf, domainKeys, domainRecords, findDomain, listDomains, readDmarcPolicy, removeDomain, rotateDomainKey, verifyDomain, zoneLine, type DomainCheck } from '../../domains/index.js';
import type { DomainRow } from '../../store/index.js';
import { InputError } from '../../lib/input-error.js';
import { isValidAddress } from '../../spool/addresses.js';
import { requireAdmin, requireUser } from '../auth.js';
import { notFound } from '../api-error.js';
import type { HttpContext } from '../context.js';

const params = z.object({ id: z.string().max(253) });
const algorithm = z.enum(['rsa', 'ed25519']);

export function domainRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  const dns = () => createDnsLookup(dnsOptionsOf(ctx.config.dns));
  const existing = (id: string) =>
    findDomain(ctx.store, id).catch((error: unknown) => {
      if (error instanceof InputError) throw notFound('domain');
      throw error;
    });
  const view = async (d: DomainRow) => ({
    id: d.id,
    name: d.name,
    keys: (await domainKeys(ctx.store, d.id)).map((k) => ({ selector: k.selector, algorithm: k.algorithm, state: k.state, createdAt: new Date(Number(k.created_at)).toISOString(), activatedAt: k.activated_at === null ? null : new Date(Number(k.activated_at)).toISOString() })),
    checkedAt: d.checked_at === null ? null : new Date(Number(d.checked_at)).toISOString(),
    lastCheck: d.last_check === null ? null : (JSON.parse(d.last_check) as DomainCheck),
    createdAt: new Date(Number(d.created_at)).toISOString(),
  });

  typed.get('/domains', { schema: { summary: 'Sending domains with their DKIM keys and last check' } }, async (request) => {
    requireUser(request);
    return { domains: await Promise.all((await listDomains(ctx.store)).map(view)) };
  });

  typed.post(
    '/domains',
    { schema: { summary: 'Add a sending domain with a new DKIM key (admin); mail from it is signed at once', body: z.object({ name: z.string().max(253), selector: z.string().max(63).optional(), algorithm: algorithm.optional() }) } },
    async (request, reply) => {
      requireAdmin(request);
      return reply.code(201).send(await view(await addDomain(ctx, request.body)));
    },
  );

  typed.get(
    '/domains/dmarc',
    { schema: { summary: "The DMARC policy of an address's domain, and whether mail From it would be rewritten (no key to align with a quarantine or reject policy)", querystring: z.object({ address: z.string().max(254) }) } },
    async (request) => {
      requireUser(request);
      const address = request.query.address.trim();
      if (!isValidAddress(address)) throw new InputError('address', 'is not an email address');
      const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
      const signed = (await listDomains(ctx.store)).some((d) => domain === d.name || domain.endsWith(`.${d.name}`));
      const policy = await readDmarcPolicy(dns(), domain).catch(() => null);
      const rewritten = !signed && policy !== null && policy.policy !== 'none';
      return { domain, policy: policy?.policy ?? null, signed, rewritten };
    },
  );

  typed.get('/domains/:id', { schema: { summary: 'One sending domain', params } }, async (request) => {
    requireUser(request);
    return view(await existing(request.params.id));
  });

  typed.get('/domains/:id/records', { schema: { summary: 'The DNS records to publish (SPF merged with the one published now)', params } }, async (request) => {
    requireUser(request);
    const domain = await existing(request.params.id);
    const records = await domainRecords(domain, await domainKeys(ctx.store, domain.id), await getSettings(ctx.store), dns());
    return { records: records.map((r) => ({ ...r, zone: r.value ? zoneLine(r) : null })) };
  });

  typed.post('/domains/:id/check', { schema: { summary: 'Check the published records live; finishes a key rotation when the new key is found', params } }, async (request) => {
    requireUser(request);
    const domain = await existing(request.params.id);
    return verifyDomain(ctx, domain.id, dns());
  });

  typed.post(
    '/domains/:id/rotate',
    { schema: { summary: 'Start a key rotation: a new key under a new selector, used once a check finds it published (admin)', params, body: z.object({ selector: z.string().max(63).optional(), algorithm: algorithm.optional() }).default({}) } },
    async (request) => {
      requireAdmin(request);
      const domain = await existing(request.params.id);
      await rotateDomainKey(ctx, domain.id, request.body);
      return view(await existing(domain.id));
    },
  );

  typed.delete('/domains/:id', { schema: { summary: 'Remove a sending domain and its keys (admin)', params } }, async (request, reply) => {
    requireAdmin(request);
    const domain = await existing(request.params.id);
    await removeDomain(ctx.store, domain.id);
    return reply.code(204).send();
  });
}
