/**
 * Contacts and lists over HTTP. An import is made in two steps so a browser can show progress
 * while it uploads: POST /contacts/imports names the list and the column mapping and answers an
 * id; PUT /contacts/imports/:id/file sends the CSV (streamed into the database as it arrives),
 * while GET /contacts/imports/:id reports how far it got and which rows were refused.
 */
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Readable } from 'node:stream';
import { contactView, countContacts, createList, exportContacts, findList, importContacts, listContacts, listLists, CONTACT_STATUSES } from '../../campaigns/index.js';
import type { ContactImportRow } from '../../store/index.js';
import { newId } from '../../lib/ids.js';
import { InputError } from '../../lib/input-error.js';
import { requireUser } from '../auth.js';
import { ApiError, notFound } from '../api-error.js';
import type { HttpContext } from '../context.js';

const importView = (row: ContactImportRow) => ({
  id: row.id,
  filename: row.filename,
  listId: row.list_id,
  status: row.status,
  bytesTotal: Number(row.bytes_total),
  bytesRead: Number(row.bytes_read),
  rows: row.rows_read,
  created: row.created_count,
  updated: row.updated_count,
  errors: row.error_count,
  rowErrors: JSON.parse(row.errors) as Array<{ line: number; reason: string }>,
  failure: row.failure,
  createdAt: new Date(Number(row.created_at)).toISOString(),
  finishedAt: row.finished_at === null ? null : new Date(Number(row.finished_at)).toISOString(),
});

const mappingSchema = z
  .object({
    email: z.string().max(200).optional(),
    name: z.string().max(200).optional(),
    timeZone: z.string().max(200).optional(),
    status: z.string().max(200).optional(),
    skip: z.array(z.string().max(200)).max(500).optional(),
    fields: z.record(z.string().max(200), z.string().max(64)).optional(),
  })
  .strict();

export function contactRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  // A CSV body reaches its route as a stream, never buffered whole.
  app.addContentTypeParser(['text/csv', 'application/octet-stream'], (_request, payload, done) => done(null, payload));

  typed.get(
    '/contacts',
    {
      schema: {
        summary: 'Contacts, by id (shared by every user)',
        querystring: z.object({ list: z.string().max(200).optional(), status: z.enum(CONTACT_STATUSES as ['subscribed']).optional(), cursor: z.string().max(100).optional(), limit: z.coerce.number().int().min(1).max(500).default(50) }),
      },
    },
    async (request) => {
      requireUser(request);
      const { list, status, cursor, limit } = request.query;
      const listId = list ? (await findList(ctx.store, list, 'list')).id : undefined;
      const rows = await listContacts(ctx.store, { listId, status, after: cursor, limit: limit + 1 });
      const page = rows.slice(0, limit);
      return { contacts: page.map(contactView), nextCursor: rows.length > limit ? page.at(-1)!.id : null, counts: await countContacts(ctx.store) };
    },
  );

  typed.get('/contacts/:id', { schema: { summary: 'One contact (by id or email) with its lists and the messages sent to it, newest first', params: z.object({ id: z.string().max(254) }) } }, async (request) => {
    const user = requireUser(request);
    const key = request.params.id.includes('@') ? request.params.id.trim().toLowerCase() : request.params.id;
    const contact = await ctx.store.db.selectFrom('contacts').selectAll().where(request.params.id.includes('@') ? 'email' : 'id', '=', key).executeTakeFirst();
    if (!contact) throw notFound('contact');
    const lists = await ctx.store.db.selectFrom('lists').innerJoin('list_members', 'list_members.list_id', 'lists.id').select(['lists.id', 'lists.name', 'list_members.added_at']).where('list_members.contact_id', '=', contact.id).orderBy('lists.name').execute();
    // Its history: campaign mail made for it, and any message to its address — the ones this user may see.
    let messages = ctx.store.db
      .selectFrom('messages')
      .leftJoin('campaigns', 'campaigns.id', 'messages.campaign_id')
      .select(['messages.id', 'messages.status', 'messages.subject', 'messages.created_at', 'campaigns.name as campaign'])
      .where((eb) => eb.or([eb('messages.contact_id', '=', contact.id), eb.exists(eb.selectFrom('recipients').select('recipients.id').whereRef('recipients.message_id', '=', 'messages.id').where('recipients.address', '=', contact.email))]))
      .orderBy('messages.id', 'desc')
      .limit(100);
    if (user.role !== 'admin') messages = messages.where('messages.user_id', '=', user.id);
    return {
      ...contactView(contact),
      lists: lists.map((l) => ({ id: l.id, name: l.name, addedAt: new Date(Number(l.added_at)).toISOString() })),
      messages: (await messages.execute()).map((m) => ({ id: m.id, status: m.status, subject: m.subject, campaign: m.campaign, createdAt: new Date(Number(m.created_at)).toISOString() })),
    };
  });

  typed.get('/contacts/export.csv', { schema: { summary: 'Contacts as CSV (spreadsheet formulas neutralised)', querystring: z.object({ list: z.string().max(200).optional() }) } }, async (request, reply) => {
    requireUser(request);
    const listId = request.query.list ? (await findList(ctx.store, request.query.list, 'list')).id : undefined;
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="contacts.csv"' });
    await exportContacts(ctx.store, reply.raw, { listId });
    reply.raw.end();
  });

  typed.get('/lists', { schema: { summary: 'Lists with their number of contacts' } }, async (request) => {
    requireUser(request);
    return { lists: await listLists(ctx.store) };
  });
  typed.post('/lists', { schema: { summary: 'Create a list', body: z.object({ name: z.string().max(100), description: z.string().max(500).optional() }) } }, async (request, reply) => {
    requireUser(request);
    return reply.code(201).send(await createList(ctx.store, ctx.clock, request.body));
  });

  typed.post(
    '/contacts/imports',
    {
      schema: {
        summary: 'Start a CSV import: the list to add contacts to and the column mapping; then PUT the file',
        body: z.object({ filename: z.string().max(200).default('contacts.csv'), list: z.string().max(200).optional(), mapping: mappingSchema.optional(), size: z.number().int().min(0).optional() }),
      },
    },
    async (request, reply) => {
      const user = requireUser(request);
      const listId = request.body.list ? (await findList(ctx.store, request.body.list, 'list')).id : null;
      const now = ctx.clock.now();
      const row: ContactImportRow = {
        id: newId('imp', now),
        user_id: user.id,
        list_id: listId,
        filename: request.body.filename,
        status: 'running',
        bytes_total: request.body.size ?? 0,
        bytes_read: 0,
        rows_read: 0,
        created_count: 0,
        updated_count: 0,
        error_count: 0,
        errors: JSON.stringify({ mapping: request.body.mapping ?? {} }),
        failure: null,
        created_at: now,
        finished_at: null,
      };
      // Until the file arrives, `errors` holds the mapping to use.
      await ctx.store.db.insertInto('contact_imports').values(row).execute();
      return reply.code(201).send({ id: row.id });
    },
  );

  typed.put('/contacts/imports/:id/file', { schema: { summary: 'The CSV file of an import (Content-Type: text/csv), read as it arrives', params: z.object({ id: z.string().max(100) }) } }, async (request) => {
    const user = requireUser(request);
    const row = await ctx.store.db.selectFrom('contact_imports').selectAll().where('id', '=', request.params.id).executeTakeFirst();
    if (!row || row.user_id !== user.id) throw notFound('import');
    if (row.status !== 'running' || row.rows_read > 0 || row.finished_at !== null) throw new ApiError(409, 'conflict', 'this import already has its file');
    if (typeof (request.body as Readable | undefined)?.pipe !== 'function') throw new InputError('body', 'send the file with Content-Type: text/csv');
    const { mapping } = JSON.parse(row.errors) as { mapping: z.infer<typeof mappingSchema> };
    await ctx.store.db.updateTable('contact_imports').set({ errors: '[]', bytes_total: Number(request.headers['content-length'] ?? row.bytes_total) }).where('id', '=', row.id).execute();
    let lastWrite = 0;
    try {
      const report = await importContacts(ctx.store, ctx.clock, request.body as Readable, {
        listId: row.list_id ?? undefined,
        mapping,
        onProgress: async (p) => {
          if (Date.now() - lastWrite < 250) return;
          lastWrite = Date.now();
          await ctx.store.db.updateTable('contact_imports').set({ bytes_read: p.bytesRead, rows_read: p.rows, created_count: p.created, updated_count: p.updated, error_count: p.errors }).where('id', '=', row.id).execute();
        },
      });
      await ctx.store.db
        .updateTable('contact_imports')
        .set({ status: 'finished', bytes_read: report.bytesRead, rows_read: report.rows, created_count: report.created, updated_count: report.updated, error_count: report.errors, errors: JSON.stringify(report.rowErrors), finished_at: ctx.clock.now() })
        .where('id', '=', row.id)
        .execute();
    } catch (error) {
      const failure = error instanceof InputError ? `${error.field}: ${error.reason}` : 'the import stopped: ' + (error instanceof Error ? error.message : String(error));
      await ctx.store.db.updateTable('contact_imports').set({ status: 'failed', failure, finished_at: ctx.clock.now() }).where('id', '=', row.id).execute();
      throw error;
    }
    return importView((await ctx.store.db.selectFrom('contact_imports').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow()));
  });

  typed.get('/contacts/imports/:id', { schema: { summary: "An import's progress and the rows it refused", params: z.object({ id: z.string().max(100) }) } }, async (request) => {
    const user = requireUser(request);
    const row = await ctx.store.db.selectFrom('contact_imports').selectAll().where('id', '=', request.params.id).executeTakeFirst();
    if (!row || row.user_id !== user.id) throw notFound('import');
    return importView(row.rows_read === 0 && row.finished_at === null ? { ...row, errors: '[]' } : row);
  });
}
