/**
 * CSV import, streamed: the file is parsed record by record and written in batches, so a
 * million rows never sit in memory. A row that cannot be taken (no or a bad address, an unknown
 * time zone, a wrong number of cells) is reported with its line number and reason while the good
 * rows still import.
 *
 * Columns map to contact properties by header (`email`, `name`, `time_zone`, `status`, the rest
 * become custom fields named after their header), or by an explicit mapping.
 *
 * csv-parse with `skip_records_with_error` goes on after a bad record, but an unclosed quote
 * swallows everything after it into one field: that is reported as the rows that were lost.
 */
import type { Readable } from 'node:stream';
import { sql } from 'kysely';
import { parse, type CsvError, type InfoRecord } from 'csv-parse';
import type { Store } from '../store/index.js';
import type { Clock } from '../lib/clock.js';
import { InputError } from '../lib/input-error.js';
import { CONTACT_STATUSES, fieldNameOf, validateContact, type ValidContact } from './contact-input.js';
import { upsertContacts } from './upsert-contacts.js';
import type { ContactStatus } from '../store/index.js';

/** Which CSV column (by header) fills which property; anything unmapped becomes a custom field. */
export interface ColumnMapping {
  email?: string;
  name?: string;
  timeZone?: string;
  status?: string;
  /** Columns to leave out. */
  skip?: string[];
  /** Header → custom field name, where the default (`First Name` → `first_name`) will not do. */
  fields?: Record<string, string>;
}

export interface RowError {
  line: number;
  reason: string;
}

export interface ImportProgress {
  bytesRead: number;
  rows: number;
  created: number;
  updated: number;
  errors: number;
}

export interface ImportOptions {
  listId?: string | undefined;
  mapping?: ColumnMapping;
  /** Rows written per transaction. */
  batchSize?: number;
  /** How many row errors to keep (all are counted). */
  keepErrors?: number;
  onProgress?: (progress: ImportProgress) => void | Promise<void>;
}

export interface ImportReport extends ImportProgress {
  /** The first `keepErrors` rows that were not imported, by line. */
  rowErrors: RowError[];
}

const HEADER_ALIASES: Record<'email' | 'name' | 'timeZone' | 'status', string[]> = {
  email: ['email', 'e_mail', 'email_address', 'mail', 'address'],
  name: ['name', 'full_name', 'fullname'],
  timeZone: ['time_zone', 'timezone', 'tz', 'zone'],
  status: ['status'],
};

interface Plan {
  email: number;
  name: number | undefined;
  timeZone: number | undefined;
  status: number | undefined;
  fields: Array<[index: number, field: string]>;
}

function plan(header: string[], mapping: ColumnMapping): Plan {
  const find = (wanted: string | undefined, aliases: string[], property: string): number | undefined => {
    if (wanted !== undefined) {
      const index = header.findIndex((h) => h.trim() === wanted);
      if (index < 0) throw new InputError(`mapping.${property}`, `the file has no column "${wanted}" (columns: ${header.join(', ')})`);
      return index;
    }
    const index = header.findIndex((h) => aliases.includes(fieldNameOf(h)));
    return index < 0 ? undefined : index;
  };
  const email = find(mapping.email, HEADER_ALIASES.email, 'email');
  if (email === undefined) throw new InputError('mapping.email', `no column holds the email address (columns: ${header.join(', ')}); name it "email" or map it`);
  const name = find(mapping.name, HEADER_ALIASES.name, 'name');
  const timeZone = find(mapping.timeZone, HEADER_ALIASES.timeZone, 'timeZone');
  const status = find(mapping.status, HEADER_ALIASES.status, 'status');
  const taken = new Set([email, name, timeZone, status]);
  const skip = new Set((mapping.skip ?? []).map((h) => h.trim()));
  const fields: Plan['fields'] = [];
  header.forEach((h, index) => {
    if (taken.has(index) || skip.has(h.trim()) || !h.trim()) return;
    fields.push([index, mapping.fields?.[h.trim()] ?? fieldNameOf(h)]);
  });
  return { email, name, timeZone, status, fields };
}

function contactOf(record: string[], p: Plan): ValidContact {
  const cell = (index: number | undefined): string => (index === undefined ? '' : (record[index] ?? '').trim());
  const fields: Record<string, string> = {};
  // An empty cell leaves the field as it was: a partial file does not erase what is known.
  for (const [index, field] of p.fields) {
    const value = cell(index);
    if (value) fields[field] = value;
  }
  const status = cell(p.status).toLowerCase();
  if (status && !CONTACT_STATUSES.includes(status as ContactStatus)) throw new InputError('status', `"${status.slice(0, 40)}" is not one of ${CONTACT_STATUSES.join(', ')}`);
  return validateContact({ email: cell(p.email), name: cell(p.name), fields, timeZone: cell(p.timeZone) || null, status: (status || undefined) as ContactStatus | undefined });
}

const progressOf = ({ bytesRead, rows, created, updated, errors }: ImportProgress): ImportProgress => ({ bytesRead, rows, created, updated, errors });

export async function importContacts(store: Store, clock: Clock, input: Readable, options: ImportOptions = {}): Promise<ImportReport> {
  const batchSize = options.batchSize ?? 5000;
  const keepErrors = options.keepErrors ?? 1000;
  const report: ImportReport = { bytesRead: 0, rows: 0, created: 0, updated: 0, errors: 0, rowErrors: [] };
  const fail = (line: number, reason: string) => {
    report.errors += 1;
    if (report.rowErrors.length < keepErrors) report.rowErrors.push({ line, reason });
  };

  input.on('data', (chunk: Buffer | string) => (report.bytesRead += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length));
  // The parser runs ahead of the loop below; `on_record` tells where it is when it skips.
  let parsedLine = 0;
  const parser = input.pipe(
    parse({
      bom: true,
      relax_column_count: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      info: true,
      on_record: (record: string[], context: InfoRecord) => {
        parsedLine = context.lines;
        return record;
      },
    }),
  );
  let quoteNotClosedAt: number | null = null;
  parser.on('skip', (error: CsvError & { lines?: number }) => {
    if (error.code === 'CSV_QUOTE_NOT_CLOSED') quoteNotClosedAt = parsedLine + 1;
    else fail(error.lines ?? parsedLine + 1, error.message);
  });
  input.on('error', (error) => parser.destroy(error));

  let p: Plan | null = null;
  let width = 0;
  let batch: ValidContact[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const written = await upsertContacts(store, batch, clock.now(), options.listId);
    report.created += written.created;
    report.updated += written.updated;
    batch = [];
    await options.onProgress?.(progressOf(report));
  };

  for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    if (!p) {
      p = plan(record, options.mapping ?? {});
      width = record.length;
      continue;
    }
    report.rows += 1;
    if (record.length !== width && !(record.length === 1 && record[0] === '')) {
      fail(info.lines, `has ${record.length} cells where the header has ${width}`);
      continue;
    }
    try {
      batch.push(contactOf(record, p));
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      fail(info.lines, `${error.field}: ${error.reason}`);
    }
    if (batch.length >= batchSize) await flush();
  }
  if (!p) throw new InputError('file', 'is empty: the first line must name the columns');
  await flush();
  // After a bulk load PostgreSQL's statistics are stale until autovacuum comes round, and the
  // planner may then scan every contact for each batch of a campaign's expansion.
  if (store.dialect === 'postgres' && report.created >= 10_000) await sql`analyze contacts, list_members`.execute(store.db);
  if (quoteNotClosedAt !== null) fail(quoteNotClosedAt, `a quote opened on line ${quoteNotClosedAt} is never closed: this line and every line after it were not imported`);
  await options.onProgress?.(progressOf(report));
  return report;
}
