/**
 * Importing a suppression list (another platform's export): a CSV with an `email` column and
 * optionally `reason`, `list`, `detail`, POSTed as text/csv. The good rows are added all the
 * same; refused ones are listed by line with the reason.
 */
import { useState, type FormEvent } from 'react';
import { errorText, postBody } from '../api';
import { formatNumber } from '../format';
import { ErrorNote } from './ui';
import type { SuppressionImport } from '../feedback-types';

export function SuppressionImportForm({ onImported, onClose }: { onImported: () => void; onClose: () => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [report, setReport] = useState<SuppressionImport | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!file) return;
    setBusy(true);
    setError(null);
    setReport(null);
    try {
      setReport(await postBody<SuppressionImport>('/suppressions/import', file, 'text/csv'));
      onImported();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="form suppression-import" onSubmit={(e) => void submit(e)} aria-label="Import suppressions">
      <p className="field-hint">
        A CSV file with a header row: <code>email</code>, and optionally <code>reason</code> (hard-bounce, soft-bounce, complaint, unsubscribe or manual), <code>list</code> (a list&rsquo;s name
        or id, for that list only) and <code>detail</code>.
      </p>
      <div className="field">
        <label htmlFor="suppression-file">CSV file</label>
        <input id="suppression-file" type="file" accept=".csv,text/csv" onChange={(e) => (setFile(e.target.files?.[0] ?? null), setReport(null))} />
      </div>
      {error ? <ErrorNote error={error} /> : null}
      {report ? <ImportReport report={report} /> : null}
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={!file || busy}>
          {busy ? 'Importing…' : 'Import'}
        </button>
        <button type="button" className="btn btn-ghost" disabled={busy} onClick={onClose}>
          {report ? 'Close' : 'Cancel'}
        </button>
      </div>
    </form>
  );
}

function ImportReport({ report }: { report: SuppressionImport }) {
  return (
    <div className="import-progress" data-testid="suppression-import-report">
      <p className={`note ${report.errors.length ? 'note-warn' : 'note-ok'}`} role="status">
        <span>
          <strong>
            {formatNumber(report.added)} of {formatNumber(report.rows)} added
          </strong>
          {report.errors.length ? ` · ${formatNumber(report.rows - report.added)} refused` : ''}
        </span>
      </p>
      {report.errors.length ? (
        <div className="table-wrap">
          <table className="table import-errors-table">
            <caption className="visually-hidden">Refused lines</caption>
            <thead>
              <tr>
                <th className="num">Line</th>
                <th>Why</th>
              </tr>
            </thead>
            <tbody>
              {report.errors.map((e) => (
                <tr key={e.line}>
                  <td className="num">{e.line}</td>
                  <td>{e.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {report.rows - report.added > report.errors.length ? <p className="small muted">Only the first {report.errors.length} refused lines are listed.</p> : null}
        </div>
      ) : null}
    </div>
  );
}
