/**
 * The suppression list over HTTP (admins: it is one list for the whole installation, and it holds
 * other people's recipients): list and search, add, remove, import a CSV, export one.
 */
import type { Readable } from 'node:stream';
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { SUPPRESSION_REASONS, type SuppressionRow } from '../../store/index.js';
import { addSuppression, exportSuppressions, importSuppressions, listSuppressions, removeSuppression } from '../../feedback/manage-suppressions.js';
import { InputError } from '../../lib/input-error.js';
import { requireAdmin } from '../auth.js';
import type { HttpContext } from '../context.js';

const reason = z.enum(SUPPRESSION_REASONS);
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(Number(ms)).toISOString());

export const suppressionView = (s: SuppressionRow) => ({
  address: s.address,
  scope: s.scope === '' ? 'global' : 'list',
  listId: s.scope === '' ? null : s.scope,
  reason: s.reason,
  detail: s.detail,
  messageId: s.message_id,
  createdAt: iso(s.created_at),
  expiresAt: iso(s.expires_at),
});

export function suppressionRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const typed = app.withTypeProvider<ZodTypeProvider>();

  typed.get(
    '/suppressions',
    {
      schema: {
        summary: 'Suppressed addresses, newest first (admin)',
        querystring: z.object({ q: z.string().max(254).optional(), reason: reason.optional(), list: z.string().max(200).optional().describe('A list id or name; empty for global entries'), cursor: z.string().max(100).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }),
      },
    },
    async (request) => {
      requireAdmin(request);
      const { suppressions, next } = await listSuppressions(ctx.store, request.query);
      return { suppressions: suppressions.map(suppressionView), next };
    },
  );

  typed.post(
    '/suppressions',
    {
      schema: {
        summary: 'Suppress an address, for all mail or for one list (admin)',
        body: z.object({ address: z.string().max(254), list: z.string().max(200).optional(), reason: reason.optional(), detail: z.string().max(1000).optional(), expiresAt: z.string().max(40).optional().describe('ISO 8601; left out: until removed') }),
      },
    },
    async (request, reply) => {
      requireAdmin(request);
      const { expiresAt, address, ...rest } = request.body;
      const until = expiresAt === undefined ? undefined : Date.parse(expiresAt);
      if (until !== undefined && Number.isNaN(until)) throw new InputError('expiresAt', 'must be an ISO 8601 time');
      const row = await addSuppression(ctx, { ...rest, address, expiresAt: until }).catch((e: unknown) => {
        throw e instanceof InputError && e.field === 'email' ? e.renamed('address') : e;
      });
      return reply.code(201).send(suppressionView(row));
    },
  );

  typed.delete(
    '/suppressions/:address',
    { schema: { summary: 'Take an address off the suppression list (admin)', params: z.object({ address: z.string().max(254) }), querystring: z.object({ list: z.string().max(200).optional() }) } },
    async (request) => {
      requireAdmin(request);
      return suppressionView(await removeSuppression(ctx, request.params.address, request.query.list));
    },
  );

  typed.post('/suppressions/import', { schema: { summary: 'Import a CSV (Content-Type: text/csv; columns email, and optionally reason, list, detail) (admin)' } }, async (request) => {
    requireAdmin(request);
    const body = request.body as Readable | undefined;
    if (typeof body?.pipe !== 'function') throw new InputError('body', 'send the file with Content-Type: text/csv');
    return importSuppressions(ctx, body);
  });

  typed.get('/suppressions/export', { schema: { summary: 'The suppression list as CSV (admin)' } }, async (request, reply) => {
    requireAdmin(request);
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="suppressions.csv"' });
    await exportSuppressions(ctx.store, reply.raw);
    reply.raw.end();
  });
}
