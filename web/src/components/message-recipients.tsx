/** Where each recipient of a message stands: its state, attempts, next attempt and last SMTP answer. */
import { formatAgo, formatAnswer, formatDateTime } from '../format';
import { StatusBadge } from './ui';
import { BAD_STATUSES, type RecipientView } from '../types';

const answerOf = (r: RecipientView): string => formatAnswer(r.code, r.enhancedCode, r.response);

export function MessageRecipients({ recipients }: { recipients: RecipientView[] }) {
  return (
    <section className="card flush" aria-labelledby="recipients-title">
      <header className="card-header">
        <h2 id="recipients-title">Recipients</h2>
        <span className="muted small">{recipients.length}</span>
      </header>
      <div className="table-wrap">
        <table className="table recipients-table">
          <thead>
            <tr>
              <th>Address</th>
              <th>Kind</th>
              <th>Status</th>
              <th className="num cell-attempts">Attempts</th>
              <th className="hide-narrow">Next attempt</th>
              <th>Last SMTP answer</th>
            </tr>
          </thead>
          <tbody>
            {recipients.map((r) => (
              <tr key={`${r.kind}:${r.address}`} className={BAD_STATUSES.has(r.status) ? 'row-failed' : undefined}>
                <td className="cell-recipient">
                  {r.address}
                </td>
                <td className="cell-kind">{r.kind}</td>
                <td className="cell-status">
                  <StatusBadge status={r.status} />
                </td>
                <td className="num cell-attempts">{r.attempts}</td>
                <td className="hide-narrow nowrap" title={r.nextAttemptAt ? formatDateTime(r.nextAttemptAt) : undefined}>
                  {r.nextAttemptAt ? formatAgo(r.nextAttemptAt) : <span className="muted">—</span>}
                </td>
                <td className="small cell-answer">{answerOf(r) || <span className="muted">—</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
