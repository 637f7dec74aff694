/**
 * What this process tells its metrics as things happen: outcomes committed by the delivery
 * worker, sessions and transactions of the SMTP relay. The worker and the relay call these
 * functions; every metrics registry built in the process (src/ops/metrics.ts) listens. Nothing
 * here depends on prom-client, so a process that exports no metrics pays one empty loop per call.
 *
 * Counters are per process, as Prometheus expects: each process is scraped on its own and
 * `sum()` adds them up. Database-derived gauges are read at scrape time instead (metric-queries.ts).
 */
import type { OutcomeRecord } from '../spool/index.js';

export type TelemetryEvent =
  /** Outcomes that were committed as ours; `enqueuedAt` is the message's creation, `now` the commit. */
  | { kind: 'outcomes'; records: readonly OutcomeRecord[]; serverName: (serverId: string | null) => string; enqueuedAt: number; now: number }
  | { kind: 'relay-session'; change: 'opened' | 'closed' }
  /** The answer that ended a relay transaction (after DATA). */
  | { kind: 'relay-answer'; code: number };

type Listener = (event: TelemetryEvent) => void;

const listeners = new Set<Listener>();
let relaySessionsOpen = 0;

/** Listens until the returned function is called. */
export function subscribeTelemetry(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function emit(event: TelemetryEvent): void {
  for (const listener of listeners) {
    try {
      listener(event);
    } catch {
      // Counting must never disturb delivery or a relay session.
    }
  }
}

/** The worker: these outcomes of one message were committed. */
export function noteOutcomes(records: readonly OutcomeRecord[], serverName: (serverId: string | null) => string, enqueuedAt: number, now: number): void {
  if (records.length > 0 && listeners.size > 0) emit({ kind: 'outcomes', records, serverName, enqueuedAt, now });
}

/** The relay: a session was accepted (past the per-client connection limit). */
export function noteRelaySessionOpened(): void {
  relaySessionsOpen += 1;
  emit({ kind: 'relay-session', change: 'opened' });
}

/** The relay: an accepted session ended. */
export function noteRelaySessionClosed(): void {
  relaySessionsOpen = Math.max(0, relaySessionsOpen - 1);
  emit({ kind: 'relay-session', change: 'closed' });
}

/** The relay: a transaction ended with this answer. */
export function noteRelayAnswer(code: number): void {
  emit({ kind: 'relay-answer', code });
}

/** Relay sessions open in this process now. */
export function relaySessionsOpenNow(): number {
  return relaySessionsOpen;
}
