/**
 * Postroom's Prometheus metrics: one prom-client Registry per app (never the global one), fed two
 * ways. Counters and histograms move as things happen in this process (telemetry.ts: outcomes
 * the worker commits, relay sessions, API requests); gauges are read from the database at each
 * scrape (metric-queries.ts), so they are the same from every process.
 *
 * Names follow the Prometheus conventions: `postroom_` prefix, base units in the name
 * (`_seconds`), `_total` on counters; the process's own series (`process_*`, `nodejs_*`) keep
 * their standard names. Labels carry server names, statuses and classes — never addresses or ids.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Logger } from 'pino';
import { RECIPIENT_STATUSES, type Store } from '../store/index.js';
import type { Clock } from '../lib/clock.js';
import type { Outcome } from '../spool/index.js';
import { readDatabaseGauges, SERVER_STATES } from './metric-queries.js';
import { relaySessionsOpenNow, subscribeTelemetry, type TelemetryEvent } from './telemetry.js';
import { within } from './within.js';

export interface MetricsDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  config: { worker: { defaultMaxConcurrent: number } };
}

export interface MetricsOptions {
  /** Longest wait for the database's numbers; past it the scrape answers without them (default 2 s). */
  databaseTimeoutMs?: number;
}

export interface Metrics {
  readonly registry: Registry;
  readonly contentType: string;
  /** The text exposition: the database's gauges are read first. Concurrent scrapes share one read. */
  render(): Promise<string>;
  /** One API request: its route pattern (never the raw URL), status and duration. */
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  /** Stops listening to this process's telemetry. */
  close(): void;
}

/** 0.1 s … 1 day: from a message sent at once to one that waited through a day of retries. */
const LATENCY_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 4 * 3600, 12 * 3600, 86_400];
const REQUEST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** `2xx` … `5xx` from an SMTP or HTTP code. */
export const codeClass = (code: number): string => `${Math.floor(code / 100)}xx`;

/**
 * The class of the answer an attempt got, or null when the outcome was no attempt (held,
 * suppressed, or a failure before any server was asked) — counted as record-outcomes.ts counts
 * attempts. An attempt without an answer is a connection that failed.
 */
export function attemptClass(outcome: Outcome): string | null {
  if (outcome.kind === 'held' || outcome.kind === 'suppressed') return null;
  if (outcome.answer) return codeClass(outcome.answer.code);
  if (outcome.kind === 'delivered') return '2xx';
  return outcome.kind === 'deferred' ? 'connection' : null;
}

export function createMetrics(deps: MetricsDeps, options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const timeoutMs = options.databaseTimeoutMs ?? 2_000;

  const attempts = new Counter({ name: 'postroom_delivery_attempts_total', help: 'Delivery attempts by server and the class of the answer (2xx, 4xx, 5xx; connection: no answer)', labelNames: ['server', 'code_class'], registers });
  const outcomes = new Counter({ name: 'postroom_delivery_outcomes_total', help: 'Outcomes recorded by server: delivered, deferred, failed, expired, held, suppressed', labelNames: ['server', 'outcome'], registers });
  const latency = new Histogram({ name: 'postroom_delivery_latency_seconds', help: 'From enqueue to delivered (the server accepted the recipient), by server', labelNames: ['server'], buckets: LATENCY_BUCKETS, registers });
  const relaySessions = new Counter({ name: 'postroom_relay_sessions_total', help: 'SMTP relay sessions accepted', registers });
  new Gauge({ name: 'postroom_relay_sessions_open', help: 'SMTP relay sessions open now in this process', registers, collect() { this.set(relaySessionsOpenNow()); } });
  const relayTransactions = new Counter({ name: 'postroom_relay_transactions_total', help: 'SMTP relay transactions by the class of the answer to DATA', labelNames: ['code_class'], registers });
  const requests = new Histogram({ name: 'postroom_http_request_duration_seconds', help: 'API requests by method, route pattern and status class', labelNames: ['method', 'route', 'status_class'], buckets: REQUEST_BUCKETS, registers });

  const databaseUp = new Gauge({ name: 'postroom_database_up', help: '1 when the last scrape read the database, 0 when it could not (the gauges read from it are then left out)', registers });
  const readSeconds = new Gauge({ name: 'postroom_metrics_database_read_seconds', help: 'How long the last scrape took to read the database', registers });
  const fromDatabase = {
    messages: new Gauge({ name: 'postroom_messages', help: 'Messages by status', labelNames: ['status'], registers }),
    queue: new Gauge({ name: 'postroom_queue_recipients', help: 'Recipients in play by status: queued, deferred, sending', labelNames: ['status'], registers }),
    due: new Gauge({ name: 'postroom_queue_due_recipients', help: 'Recipients a worker may claim now (due, or their lease ended)', registers }),
    oldestDue: new Gauge({ name: 'postroom_queue_oldest_due_age_seconds', help: 'How long the longest-waiting due recipient has been due (0: nothing is due)', registers }),
    sessionsInUse: new Gauge({ name: 'postroom_server_sessions_in_use', help: 'Sessions open to each server across all workers', labelNames: ['server'], registers }),
    sessionsLimit: new Gauge({ name: 'postroom_server_sessions_limit', help: 'Sessions each server allows now (its limit, halved per slow-down level)', labelNames: ['server'], registers }),
    throttleLevel: new Gauge({ name: 'postroom_server_throttle_level', help: "Each server's slow-down level after providers' answers (0: full speed)", labelNames: ['server'], registers }),
    state: new Gauge({ name: 'postroom_server_state', help: `Each server's state: 1 for the state it is in (${SERVER_STATES.join(', ')}; reconnect: resting until its account is connected again)`, labelNames: ['server', 'state'], registers }),
    destinations: new Gauge({ name: 'postroom_server_destinations_throttled', help: 'Direct delivery: destinations paused or slowed down now, per server', labelNames: ['server', 'state'], registers }),
    bounces: new Gauge({ name: 'postroom_bounces_last_24h', help: 'Bounces recorded in the last 24 hours by reason and severity (hard, soft)', labelNames: ['reason', 'severity'], registers }),
    complaints: new Gauge({ name: 'postroom_complaints_last_24h', help: 'Complaints recorded in the last 24 hours by feedback type', labelNames: ['feedback_type'], registers }),
  };

  function onTelemetry(event: TelemetryEvent): void {
    if (event.kind === 'relay-session') {
      if (event.change === 'opened') relaySessions.inc();
      return;
    }
    if (event.kind === 'relay-answer') {
      relayTransactions.inc({ code_class: codeClass(event.code) });
      return;
    }
    for (const record of event.records) {
      const server = event.serverName(record.serverId);
      outcomes.inc({ server, outcome: record.outcome.kind });
      const answered = attemptClass(record.outcome);
      if (answered) attempts.inc({ server, code_class: answered });
      if (record.outcome.kind === 'delivered') latency.observe({ server }, Math.max(0, event.now - event.enqueuedAt) / 1000);
    }
  }
  const unsubscribe = subscribeTelemetry(onTelemetry);

  async function readDatabase(): Promise<void> {
    const started = performance.now();
    for (const gauge of Object.values(fromDatabase)) gauge.reset();
    try {
      const now = deps.clock.now();
      const g = await within(timeoutMs, readDatabaseGauges(deps.store, now, deps.config.worker.defaultMaxConcurrent), 'the database');
      // Every status is told, 0 when no message has it, so a dashboard's series do not come and go.
      for (const status of RECIPIENT_STATUSES) fromDatabase.messages.set({ status }, g.messages.get(status) ?? 0);
      for (const status of ['queued', 'deferred', 'sending']) fromDatabase.queue.set({ status }, g.queue.get(status) ?? 0);
      fromDatabase.due.set(g.due);
      fromDatabase.oldestDue.set(g.oldestDueAt === null ? 0 : Math.max(0, now - g.oldestDueAt) / 1000);
      for (const s of g.servers) {
        fromDatabase.sessionsInUse.set({ server: s.name }, s.sessionsInUse);
        fromDatabase.sessionsLimit.set({ server: s.name }, s.sessionsLimit);
        fromDatabase.throttleLevel.set({ server: s.name }, s.throttleLevel);
        for (const state of SERVER_STATES) fromDatabase.state.set({ server: s.name, state }, s.state === state ? 1 : 0);
        if (s.kind === 'direct') {
          fromDatabase.destinations.set({ server: s.name, state: 'paused' }, s.destinationsPaused);
          fromDatabase.destinations.set({ server: s.name, state: 'slowed' }, s.destinationsSlowed);
        }
      }
      for (const b of g.bounces) fromDatabase.bounces.inc({ reason: b.reason, severity: b.hard ? 'hard' : 'soft' }, b.count);
      for (const c of g.complaints) fromDatabase.complaints.set({ feedback_type: c.feedbackType }, c.count);
      databaseUp.set(1);
    } catch (error) {
      for (const gauge of Object.values(fromDatabase)) gauge.reset();
      databaseUp.set(0);
      deps.log.warn({ err: error }, '/metrics could not read the database; answering without its gauges');
    }
    readSeconds.set((performance.now() - started) / 1000);
  }

  let rendering: Promise<string> | null = null;
  return {
    registry,
    contentType: registry.contentType,
    render() {
      rendering ??= readDatabase()
        .then(() => registry.metrics())
        .finally(() => {
          rendering = null;
        });
      return rendering;
    },
    observeRequest(method, route, status, seconds) {
      requests.observe({ method, route, status_class: codeClass(status) }, seconds);
    },
    close: () => unsubscribe(),
  };
}
