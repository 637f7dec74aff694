/**
 * The pre-send check as a panel: a score out of ten and one line per check — DKIM, SPF, DMARC,
 * then the content — each green, amber or red with what to change.
 */
import { useState, type ReactNode } from 'react';
import { api, errorText } from '../api';
import { Card, ErrorNote } from './ui';
import type { PresendReport } from '../types';

export function PresendPanel({ request, disabled, children }: { request: () => Record<string, unknown> | null; disabled?: boolean; children?: ReactNode }) {
  const [report, setReport] = useState<PresendReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async () => {
    const body = request();
    if (!body) return;
    setBusy(true);
    setError(null);
    try {
      setReport(await api<PresendReport>('POST', '/check', body));
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card title="Pre-send check" className="presend">
      {children}
      <button type="button" className="btn" onClick={() => void run()} disabled={busy || disabled}>
        {busy ? 'Checking…' : report ? 'Check again' : 'Run the check'}
      </button>
      {error ? <ErrorNote error={error} /> : null}
      {report ? (
        <>
          <p className={`presend-score presend-${report.verdict}`} data-testid="presend-score">
            <strong>{report.score}</strong> / 10 — {report.verdict === 'good' ? 'good to send' : report.verdict === 'fair' ? 'could be better' : 'likely to be junked or refused'}
          </p>
          <ul className="check-lines">
            {report.checks.map((c) => (
              <li key={c.id} className={`check-line check-${c.status === 'pass' ? 'ok' : c.status}`} data-check={c.id}>
                <span className="check-mark" aria-hidden="true">
                  {c.status === 'pass' ? '✓' : c.status === 'warn' ? '!' : '✗'}
                </span>
                <span className="visually-hidden">{c.status === 'pass' ? 'Passed:' : c.status === 'warn' ? 'Warning:' : 'Failed:'}</span>
                <strong>{c.title}</strong>
                <span className="muted small">{c.penalty ? `−${c.penalty}` : ''}</span>
                <span className="check-reason">{c.explanation}</span>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </Card>
  );
}
