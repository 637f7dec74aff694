/** `postroom contacts …` and `postroom list …`: contacts in and out as CSV, and lists. */
import { createReadStream, statSync } from 'node:fs';
import { Command, Option } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { createList, ensureList, exportContacts, findList, importContacts, listContacts, listLists, contactView, CONTACT_STATUSES, type ColumnMapping } from '../campaigns/index.js';
import type { ContactStatus } from '../store/index.js';
import { InputError } from '../lib/input-error.js';
import { withApp } from './context.js';
import { oneOf } from './flags.js';
import { table, time, writeOutput } from './output.js';

/** `--map email=E-mail --map name="Full name" --map city=Ciudad`: property or field = CSV header. */
function parseMapping(entries: string[]): ColumnMapping {
  const mapping: ColumnMapping = { fields: {} };
  for (const entry of entries) {
    const at = entry.indexOf('=');
    if (at < 1) throw new InputError('--map', `"${entry}" is not PROPERTY=HEADER (for example email="E-mail address")`);
    const target = entry.slice(0, at).trim();
    const header = entry.slice(at + 1).trim();
    if (target === 'email' || target === 'name' || target === 'timeZone' || target === 'status') mapping[target] = header;
    else if (target === 'skip') (mapping.skip ??= []).push(header);
    else mapping.fields![header] = target;
  }
  return mapping;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function contactCommands(): Command {
  const contacts = new Command('contacts').description('the people campaigns go to');
  contacts
    .command('import')
    .description('import contacts from a CSV file (first line: the column names); duplicates merge; bad rows are reported by line and make the exit status 3')
    .argument('<file>', 'CSV file')
    .option('--list <name>', 'add every imported contact to this list (made if missing)')
    .option('--map <property=header>', 'which column fills email, name, timeZone or status, or a custom field; skip=HEADER leaves one out (repeatable)', collect)
    .action(async (file: string, flags: { list?: string; map?: string[] }, command: Command) =>
      withApp(command, async (app, out) => {
        let size: number;
        try {
          size = statSync(file).size;
        } catch {
          throw new InputError('file', `cannot read ${file}`);
        }
        const list = flags.list ? await ensureList(app.store, app.clock, flags.list) : undefined;
        const bar = !out.json && process.stderr.isTTY ? new SingleBar({ format: 'importing [{bar}] {percentage}% | {rows} rows | {errors} bad | ETA {eta_formatted}', hideCursor: true }, Presets.shades_classic) : null;
        bar?.start(size, 0, { rows: 0, errors: 0 });
        const started = Date.now();
        const report = await importContacts(app.store, app.clock, createReadStream(file), {
          listId: list?.id,
          mapping: parseMapping(flags.map ?? []),
          onProgress: (p) => bar?.update(p.bytesRead, { rows: p.rows, errors: p.errors }),
        });
        bar?.update(size);
        bar?.stop();
        const seconds = (Date.now() - started) / 1000;
        out.print({ ...report, list: list?.name ?? null, seconds }, () =>
          [
            `${report.rows} rows read in ${seconds.toFixed(1)} s: ${report.created} contacts created, ${report.updated} updated, ${report.errors} rows not imported` + (list ? ` (list "${list.name}")` : ''),
            ...report.rowErrors.slice(0, 50).map((e) => `  line ${e.line}: ${e.reason}`),
            report.errors > 50 ? `  … and ${report.errors - 50} more (--json lists the first ${report.rowErrors.length})` : '',
          ]
            .filter(Boolean)
            .join('\n'),
        );
        if (report.errors > 0) process.exitCode = 3;
      }),
    );
  contacts
    .command('export')
    .description('write contacts as CSV (spreadsheet formulas neutralised)')
    .option('--list <name>', 'only the contacts on this list')
    .addOption(new Option('--status <status>', 'only contacts with this status').argParser(oneOf(...CONTACT_STATUSES)))
    .option('--output <file>', 'write to this file instead of standard output')
    .action(async (flags: { list?: string; status?: ContactStatus; output?: string }, command: Command) =>
      withApp(command, async (app) => {
        const listId = flags.list ? (await findList(app.store, flags.list, '--list')).id : undefined;
        await writeOutput(flags.output, 'contacts', (out) => exportContacts(app.store, out, { listId, status: flags.status }));
      }),
    );
  contacts
    .command('list')
    .description('show contacts')
    .option('--list <name>', 'only the contacts on this list')
    .addOption(new Option('--status <status>', 'only contacts with this status').argParser(oneOf(...CONTACT_STATUSES)))
    .option('--limit <n>', 'how many', '50')
    .action(async (flags: { list?: string; status?: ContactStatus; limit: string }, command: Command) =>
      withApp(command, async (app, out) => {
        const listId = flags.list ? (await findList(app.store, flags.list, '--list')).id : undefined;
        const rows = (await listContacts(app.store, { listId, status: flags.status, limit: Number(flags.limit) || 50 })).map(contactView);
        out.print(rows, () => table(['EMAIL', 'NAME', 'STATUS', 'TIME ZONE', 'UPDATED'], rows.map((c) => [c.email, c.name, c.status, c.timeZone, time(Date.parse(c.updatedAt))])));
      }),
    );
  return contacts;
}

export function listCommands(): Command {
  const list = new Command('list').description('lists of contacts');
  list
    .command('create')
    .description('create a list')
    .argument('<name>')
    .option('--description <text>', 'what the list is for')
    .action(async (name: string, flags: { description?: string }, command: Command) =>
      withApp(command, async (app, out) => {
        const created = await createList(app.store, app.clock, { name, description: flags.description });
        out.print(created, () => `created list "${created.name}" (${created.id})`);
      }),
    );
  list
    .command('show')
    .description('show every list with its number of contacts')
    .action(async (_flags: unknown, command: Command) =>
      withApp(command, async (app, out) => {
        const lists = await listLists(app.store);
        out.print(lists, () => table(['NAME', 'CONTACTS', 'DESCRIPTION'], lists.map((l) => [l.name, l.members, l.description])));
      }),
    );
  return list;
}
