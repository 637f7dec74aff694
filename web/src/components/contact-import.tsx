/**
 * CSV import in the browser: choose a file, map its columns (guessed from the headers the way the
 * server guesses them), pick a list, then watch a live bar while the file is streamed to
 * PUT /contacts/imports/:id/file and GET /contacts/imports/:id reports the rows written. Refused
 * rows are listed by line with their reason; the good rows are imported all the same.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api, ApiError, errorText, upload } from '../api';
import { formatBytes, formatNumber } from '../format';
import { ErrorNote, SelectField, TextField } from './ui';
import type { ContactImport, ContactList } from '../types';

type Role = 'email' | 'name' | 'timeZone' | 'status' | 'field' | 'skip';
interface Column {
  header: string;
  role: Role;
  field: string;
}

const ROLE_LABELS: Record<Role, string> = { email: 'Email address', name: 'Name', timeZone: 'Time zone', status: 'Status', field: 'Custom field', skip: "Don't import" };
const ALIASES: Record<'email' | 'name' | 'timeZone' | 'status', string[]> = {
  email: ['email', 'e_mail', 'email_address', 'mail', 'address'],
  name: ['name', 'full_name', 'fullname'],
  timeZone: ['time_zone', 'timezone', 'tz', 'zone'],
  status: ['status'],
};
const SAMPLE_BYTES = 64 * 1024;
const POLL_MS = 400;

/** `First Name` → `first_name`, as the server names custom fields. */
export function fieldNameOf(header: string): string {
  const name = header
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return /^[a-z_]/.test(name) ? name.slice(0, 64) : `f_${name}`.slice(0, 64);
}

/** The first records of a CSV text (quotes and doubled quotes understood); the last may be cut short. */
export function firstRecords(text: string, count: number): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let cell = '';
  let quoted = false;
  const input = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < input.length && records.length < count; i++) {
    const ch = input[i]!;
    if (quoted) {
      if (ch === '"' && input[i + 1] === '"') (cell += '"'), i++;
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"' && cell === '') quoted = true;
    else if (ch === ',') record.push(cell), (cell = '');
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && input[i + 1] === '\n') i++;
      record.push(cell);
      cell = '';
      if (record.some((c) => c !== '')) records.push(record);
      record = [];
    } else cell += ch;
  }
  return records;
}

/** Each column's role, guessed the way the server guesses: the first header named like a property takes it. */
function guessColumns(headers: string[]): Column[] {
  const taken = new Set<Role>();
  return headers.map((header) => {
    const name = fieldNameOf(header);
    for (const role of ['email', 'name', 'timeZone', 'status'] as const) {
      if (!taken.has(role) && ALIASES[role].includes(name)) {
        taken.add(role);
        return { header, role, field: name };
      }
    }
    return { header, role: header.trim() ? 'field' : 'skip', field: name };
  });
}

function mappingOf(columns: Column[]) {
  const one = (role: Role) => columns.find((c) => c.role === role)?.header.trim();
  const fields: Record<string, string> = {};
  for (const c of columns) if (c.role === 'field' && c.field !== fieldNameOf(c.header)) fields[c.header.trim()] = c.field;
  const skip = columns.filter((c) => c.role === 'skip' && c.header.trim()).map((c) => c.header.trim());
  return {
    ...(one('email') !== undefined ? { email: one('email') } : {}),
    ...(one('name') !== undefined ? { name: one('name') } : {}),
    ...(one('timeZone') !== undefined ? { timeZone: one('timeZone') } : {}),
    ...(one('status') !== undefined ? { status: one('status') } : {}),
    ...(skip.length ? { skip } : {}),
    ...(Object.keys(fields).length ? { fields } : {}),
  };
}

/** What the columns say is wrong, or null. */
function mappingProblem(columns: Column[]): string | null {
  for (const role of ['email', 'name', 'timeZone', 'status'] as const) {
    if (columns.filter((c) => c.role === role).length > 1) return `Only one column can be the ${ROLE_LABELS[role].toLowerCase()}.`;
  }
  if (!columns.some((c) => c.role === 'email')) return 'Choose the column that holds the email address.';
  const bad = columns.find((c) => c.role === 'field' && !/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(c.field));
  if (bad) return `The field name for "${bad.header}" must be letters, digits and _ (not starting with a digit).`;
  return null;
}

export function ContactImportPanel({ lists, onDone, onClose }: { lists: ContactList[]; onDone: () => void; onClose: () => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [sample, setSample] = useState<string[][]>([]);
  const [columns, setColumns] = useState<Column[]>([]);
  const [list, setList] = useState('');
  const [newList, setNewList] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [running, setRunning] = useState(false);
  const [uploaded, setUploaded] = useState(0);
  const [progress, setProgress] = useState<ContactImport | null>(null);
  const polling = useRef<number | null>(null);
  useEffect(() => () => void (polling.current !== null && window.clearInterval(polling.current)), []);

  const choose = async (chosen: File | null) => {
    setFile(chosen);
    setProgress(null);
    setError(null);
    setUploaded(0);
    if (!chosen) return setColumns([]);
    const records = firstRecords(await chosen.slice(0, SAMPLE_BYTES).text(), 4);
    if (records.length === 0) {
      setColumns([]);
      return setError('This file is empty: its first line must name the columns.');
    }
    setSample(records.slice(1));
    setColumns(guessColumns(records[0]!));
  };

  const change = (index: number, patch: Partial<Column>) => setColumns(columns.map((c, i) => (i === index ? { ...c, ...patch } : c)));
  const problem = columns.length ? mappingProblem(columns) : null;

  const start = async (event: FormEvent) => {
    event.preventDefault();
    if (!file || problem) return;
    setError(null);
    setRunning(true);
    setProgress(null);
    try {
      let listName = list === '__new' ? newList.trim() : list;
      if (list === '__new') {
        if (!listName) throw new ApiError(400, 'invalid', 'Name the new list.', 'list');
        listName = (await api<{ id: string }>('POST', '/lists', { name: listName })).id;
      }
      const { id } = await api<{ id: string }>('POST', '/contacts/imports', { filename: file.name.slice(0, 200), size: file.size, mapping: mappingOf(columns), ...(listName ? { list: listName } : {}) });
      polling.current = window.setInterval(() => {
        api<ContactImport>('GET', `/contacts/imports/${id}`)
          .then((p) => setProgress((shown) => (shown?.finishedAt ? shown : p)))
          .catch(() => undefined);
      }, POLL_MS);
      const finished = await upload<ContactImport>(`/contacts/imports/${id}/file`, file, 'text/csv', (sent) => setUploaded(sent));
      setProgress(finished);
      onDone();
    } catch (e) {
      setError(e instanceof ApiError && e.field ? `${e.field}: ${e.message}` : errorText(e));
    } finally {
      if (polling.current !== null) window.clearInterval(polling.current);
      polling.current = null;
      setRunning(false);
    }
  };

  const total = file?.size ?? 0;
  const done = progress?.finishedAt ? total : Math.min(total, Math.max(progress?.bytesRead ?? 0, 0));
  const percent = total ? Math.round((done / total) * 100) : 0;

  return (
    <form className="card import-panel" onSubmit={(e) => void start(e)} aria-label="Import contacts">
      <header className="card-header">
        <h2>Import contacts from CSV</h2>
        <button type="button" className="btn btn-ghost btn-small" onClick={onClose} disabled={running}>
          Close
        </button>
      </header>
      <p className="muted small">
        The first line names the columns. A contact already here (same address) is updated, not duplicated; rows that cannot be imported are listed below with their line number while the others import.
      </p>
      <div className="field">
        <label htmlFor="import-file">CSV file</label>
        <input id="import-file" type="file" accept=".csv,text/csv" disabled={running} onChange={(e) => void choose(e.target.files?.[0] ?? null)} />
        {file ? <p className="field-hint">{`${file.name}, ${formatBytes(file.size)}`}</p> : null}
      </div>
      {columns.length ? (
        <>
          <h3 className="import-heading">Columns</h3>
          <div className="table-wrap">
            <table className="table import-mapping">
              <thead>
                <tr>
                  <th>Column</th>
                  <th>Example</th>
                  <th>Import as</th>
                  <th>Field name</th>
                </tr>
              </thead>
              <tbody>
                {columns.map((c, i) => (
                  <tr key={`${i}-${c.header}`}>
                    <td className="nowrap">{c.header || <span className="muted">(no header)</span>}</td>
                    <td className="truncate muted">{sample[0]?.[i] ?? ''}</td>
                    <td>
                      <select className="input" aria-label={`Import column ${c.header} as`} value={c.role} disabled={running} onChange={(e) => change(i, { role: e.target.value as Role })}>
                        {(Object.keys(ROLE_LABELS) as Role[]).map((role) => (
                          <option key={role} value={role}>
                            {ROLE_LABELS[role]}
                          </option>
                        ))}
                      </select>
                    </td>
                    <td>
                      {c.role === 'field' ? <input className="input" aria-label={`Field name for column ${c.header}`} value={c.field} disabled={running} onChange={(e) => change(i, { field: e.target.value })} /> : <span className="muted">—</span>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="form-grid">
            <SelectField label="Add the contacts to" value={list} disabled={running} onChange={(e) => setList(e.target.value)}>
              <option value="">No list</option>
              {lists.map((l) => (
                <option key={l.id} value={l.id}>
                  {l.name}
                </option>
              ))}
              <option value="__new">A new list…</option>
            </SelectField>
            {list === '__new' ? <TextField label="New list's name" value={newList} disabled={running} onChange={(e) => setNewList(e.target.value)} required maxLength={100} /> : <span />}
          </div>
        </>
      ) : null}
      {problem ? <p className="note note-warn">{problem}</p> : null}
      {error ? <ErrorNote error={error} /> : null}
      {running || progress ? (
        <div className="import-progress" aria-live="polite">
          <div className="progress" role="progressbar" aria-label="Import progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent}>
            <div className={`progress-bar ${progress?.status === 'failed' ? 'progress-bad' : ''}`} style={{ width: `${percent}%` }} />
          </div>
          <p className="small import-counts">
            {progress?.finishedAt ? (progress.status === 'failed' ? 'Stopped: ' : 'Done: ') : `${percent}% · uploaded ${formatBytes(uploaded)} of ${formatBytes(total)} · `}
            {formatNumber(progress?.rows ?? 0)} rows read, <strong>{formatNumber(progress?.created ?? 0)}</strong> new, <strong>{formatNumber(progress?.updated ?? 0)}</strong> updated,{' '}
            <strong className={progress?.errors ? 'text-bad' : undefined}>{formatNumber(progress?.errors ?? 0)}</strong> refused
          </p>
          {progress?.failure ? <ErrorNote error={progress.failure} /> : null}
          {progress && progress.rowErrors.length > 0 ? (
            <details className="import-errors" open>
              <summary>
                Rows not imported{progress.errors > progress.rowErrors.length ? ` (the first ${progress.rowErrors.length} of ${formatNumber(progress.errors)})` : ''}
              </summary>
              <table className="table">
                <thead>
                  <tr>
                    <th className="num">Line</th>
                    <th>Reason</th>
                  </tr>
                </thead>
                <tbody>
                  {progress.rowErrors.map((r, i) => (
                    <tr key={`${r.line}-${i}`}>
                      <td className="num">{r.line}</td>
                      <td>{r.reason}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </details>
          ) : null}
        </div>
      ) : null}
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={!file || !columns.length || problem !== null || running}>
          {running ? 'Importing…' : 'Import'}
        </button>
      </div>
    </form>
  );
}
