/**
 * The suppression list as people manage it: list and search, add by hand, remove, import a CSV
 * (another platform's list), export one. Automatic entries come from bounces, complaints and
 * unsubscribes (suppress-addresses.ts); these are the manual ones.
 *
 * Removing a global `hard-bounce` or `soft-bounce` entry makes a `bounced` contact `subscribed`
 * again (the operator says the address works now). Removing an unsubscribe or a complaint
 * leaves the contact as it is: the person asked not to get mail, and only they can undo that.
 */
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { parse } from 'csv-parse';
import { SUPPRESSION_REASONS, type Store, type SuppressionReason, type SuppressionRow } from '../store/index.js';
import type { Clock } from '../lib/clock.js';
import { InputError } from '../lib/input-error.js';
import { normalizeEmail } from '../campaigns/contact-input.js';
import { findList } from '../campaigns/lists.js';
import { csvCell } from '../campaigns/export-contacts.js';
import { suppressAddresses } from './suppress-addresses.js';


export interface SuppressionQuery {
  q?: string | undefined;
  reason?: SuppressionReason | undefined;
  /** A list id or name; '' for global entries only. */
  list?: string | undefined;
  cursor?: string | undefined;
  limit?: number | undefined;
}

async function scopeOf(store: Store, list: string | undefined, field: string): Promise<string | undefined> {
  if (list === undefined) return undefined;
  return list === '' ? '' : (await findList(store, list, field)).id;
}

export async function listSuppressions(store: Store, query: SuppressionQuery = {}): Promise<{ suppressions: SuppressionRow[]; next: string | null }> {
  const limit = query.limit ?? 100;
  let select = store.db.selectFrom('suppressions').selectAll().orderBy('id', 'desc').limit(limit + 1);
  if (query.q) select = select.where('address', 'like', `%${query.q.toLowerCase().replace(/[%_\\]/g, '')}%`);
  if (query.reason) select = select.where('reason', '=', query.reason);
  const scope = await scopeOf(store, query.list, 'list');
  if (scope !== undefined) select = select.where('scope', '=', scope);
  if (query.cursor) select = select.where('id', '<', query.cursor);
  const rows = await select.execute();
  return { suppressions: rows.slice(0, limit), next: rows.length > limit ? rows[limit - 1]!.id : null };
}

export interface ManualSuppression {
  address: string;
  list?: string | undefined;
  reason?: SuppressionReason | undefined;
  detail?: string | undefined;
  expiresAt?: number | undefined;
}

export async function addSuppression(ctx: { store: Store; clock: Clock }, input: ManualSuppression): Promise<SuppressionRow> {
  const address = normalizeEmail(input.address);
  const scope = (await scopeOf(ctx.store, input.list, 'list')) ?? '';
  if (input.reason && !SUPPRESSION_REASONS.includes(input.reason)) throw new InputError('reason', `must be one of ${SUPPRESSION_REASONS.join(', ')}`);
  const now = ctx.clock.now();
  if (input.expiresAt !== undefined && input.expiresAt <= now) throw new InputError('expiresAt', 'must be in the future');
  await ctx.store.db.transaction().execute((trx) => suppressAddresses(trx, [{ address, scope, reason: input.reason ?? 'manual', detail: input.detail ?? 'added by hand', expiresAt: input.expiresAt ?? null }], now));
  return ctx.store.db.selectFrom('suppressions').selectAll().where('address', '=', address).where('scope', '=', scope).executeTakeFirstOrThrow();
}

export async function removeSuppression(ctx: { store: Store; clock: Clock }, address: string, list?: string): Promise<SuppressionRow> {
  const normalized = normalizeEmail(address);
  const scope = (await scopeOf(ctx.store, list, 'list')) ?? '';
  const row = await ctx.store.db.selectFrom('suppressions').selectAll().where('address', '=', normalized).where('scope', '=', scope).executeTakeFirst();
  if (!row) throw new InputError('address', `${normalized} is not suppressed${scope ? ' for that list' : ''}`);
  await ctx.store.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('suppressions').where('id', '=', row.id).execute();
    if (scope === '' && (row.reason === 'hard-bounce' || row.reason === 'soft-bounce')) {
      await trx.updateTable('contacts').set({ status: 'subscribed', updated_at: ctx.clock.now() }).where('email', '=', normalized).where('status', '=', 'bounced').execute();
    }
  });
  return row;
}

export interface SuppressionImport {
  rows: number;
  added: number;
  errors: Array<{ line: number; reason: string }>;
}

/** A CSV with an `email` (or `address`) column and optional `reason`, `list`, `detail`; bad rows are reported by line. */
export async function importSuppressions(ctx: { store: Store; clock: Clock }, input: Readable): Promise<SuppressionImport> {
  const parser = input.pipe(parse({ columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()), skip_empty_lines: true, relax_column_count: true, bom: true, info: true }));
  const report: SuppressionImport = { rows: 0, added: 0, errors: [] };
  for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string | undefined>; info: { lines: number } }>) {
    const line = info.lines;
    report.rows += 1;
    try {
      const address = record.email ?? record.address;
      if (!address) throw new InputError('email', 'is required');
      const reason = (record.reason?.trim() || undefined) as SuppressionReason | undefined;
      await addSuppression(ctx, { address, reason, list: record.list?.trim() || undefined, detail: record.detail?.trim() || 'imported' });
      report.added += 1;
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      if (report.errors.length < 100) report.errors.push({ line, reason: error.message });
    }
  }
  return report;
}

export async function exportSuppressions(store: Store, out: Writable): Promise<number> {
  const lists = new Map((await store.db.selectFrom('lists').select(['id', 'name']).execute()).map((l) => [l.id, l.name]));
  const write = async (text: string): Promise<void> => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write('email,list,reason,detail,created_at,expires_at\r\n');
  let count = 0;
  let cursor = '';
  for (;;) {
    const rows = await store.db.selectFrom('suppressions').selectAll().where('id', '>', cursor).orderBy('id').limit(5000).execute();
    if (rows.length === 0) break;
    for (const r of rows) {
      const cells = [r.address, r.scope ? (lists.get(r.scope) ?? r.scope) : '', r.reason, r.detail, new Date(r.created_at).toISOString(), r.expires_at ? new Date(r.expires_at).toISOString() : ''];
      await write(cells.map(csvCell).join(',') + '\r\n');
    }
    count += rows.length;
    cursor = rows.at(-1)!.id;
  }
  return count;
}
