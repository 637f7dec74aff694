/** Everything that happened to a message, oldest first: queued, each attempt's outcome, retries. */
import { formatAnswer, formatDateTime } from '../format';
import { StatusBadge } from './ui';
import type { EventView } from '../types';

export function MessageTimeline({ events }: { events: EventView[] }) {
  return (
    <section className="card" aria-labelledby="timeline-title">
      <header className="card-header">
        <h2 id="timeline-title">Timeline</h2>
        <span className="muted small">{events.length === 1 ? '1 event' : `${events.length} events`}</span>
      </header>
      {events.length === 0 ? (
        <p className="muted">No events yet.</p>
      ) : (
        <ol className="timeline">
          {events.map((e) => {
            const answer = formatAnswer(e.code, e.enhancedCode, e.response) || e.detail;
            return (
              <li key={e.id}>
                <time className="muted small nowrap" dateTime={e.at}>
                  {formatDateTime(e.at)}
                </time>
                <span>
                  <StatusBadge status={e.type} />
                </span>
                <span className="timeline-what">
                  {e.recipient ? <span>{e.recipient}</span> : null}
                  {e.server ? <span className="muted small">via {e.server}</span> : null}
                  {e.attempt ? <span className="muted small">attempt {e.attempt}</span> : null}
                  {answer ? <span className="small timeline-answer">{answer}</span> : null}
                </span>
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
