/**
 * CSV export, streamed page by page. Cells that a spreadsheet would run as a formula (starting
 * with =, +, -, @, or a tab or carriage return) are prefixed with a quote mark, so an address or
 * a name typed by a stranger cannot run code in the spreadsheet of whoever opens the file.
 */
import { sql } from 'kysely';
import type { Writable } from 'node:stream';
import { once } from 'node:events';
import type { Store, ContactStatus } from '../store/index.js';

export interface ExportOptions {
  listId?: string | undefined;
  status?: ContactStatus | undefined;
}

const PAGE = 5000;

/** One CSV cell: formula-looking text neutralised, quoted when it holds a quote, comma or line break. */
export function csvCell(value: unknown): string {
  let text = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

async function write(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}

/** The custom field names in use, so the header can name them all before the first row. */
async function fieldNames(store: Store): Promise<string[]> {
  const rows =
    store.dialect === 'postgres'
      ? await sql<{ key: string }>`select distinct jsonb_object_keys(fields::jsonb) as key from contacts order by 1`.execute(store.db)
      : await sql<{ key: string }>`select distinct j.key as key from contacts, json_each(contacts.fields) as j order by 1`.execute(store.db);
  return rows.rows.map((r) => r.key);
}

/** Writes the contacts as CSV to `out`; returns how many rows were written. */
export async function exportContacts(store: Store, out: Writable, options: ExportOptions = {}): Promise<number> {
  const fields = await fieldNames(store);
  await write(out, ['email', 'name', 'status', 'time_zone', 'created_at', 'updated_at', ...fields].map(csvCell).join(',') + '\r\n');
  let after = '';
  let count = 0;
  for (;;) {
    let query = store.db.selectFrom('contacts').selectAll('contacts').where('contacts.id', '>', after).orderBy('contacts.id').limit(PAGE);
    if (options.status) query = query.where('contacts.status', '=', options.status);
    if (options.listId) {
      const listId = options.listId;
      query = query.where(({ exists, selectFrom }) =>
        exists(selectFrom('list_members').select('list_members.contact_id').whereRef('list_members.contact_id', '=', 'contacts.id').where('list_members.list_id', '=', listId)),
      );
    }
    const rows = await query.execute();
    if (rows.length === 0) break;
    let chunk = '';
    for (const row of rows) {
      const values = JSON.parse(row.fields) as Record<string, unknown>;
      chunk +=
        [row.email, row.name, row.status, row.time_zone, new Date(Number(row.created_at)).toISOString(), new Date(Number(row.updated_at)).toISOString(), ...fields.map((f) => values[f])]
          .map(csvCell)
          .join(',') + '\r\n';
    }
    await write(out, chunk);
    count += rows.length;
    after = rows.at(-1)!.id;
  }
  return count;
}
