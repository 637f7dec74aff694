/**
 * `/metrics` read as Prometheus reads it (parse-prometheus-text-format, a port of the reference
 * client's parser), on a real engine: counters move as the real worker sends mail to a real
 * SMTP sink (attempts by server and answer class, outcomes, the latency histogram), the database
 * gauges follow (messages by status, the queue, servers, bounces and complaints), API requests
 * are timed by route pattern, relay sessions counted as a nodemailer client submits. Who may read
 * it: the token when one is set (401 without, 200 with), 404 beyond loopback without one. And a
 * `postroom worker --metrics` process serving its own counters.
 */
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import nodemailer from 'nodemailer';
import type { FastifyInstance } from 'fastify';
import { buildHttpApp } from '../../src/http/index.js';
import type { App } from '../../src/app/open-app.js';
import { newId } from '../../src/lib/ids.js';
import { judgeMetricsRequest, metricsAccess } from '../../src/ops/metrics-access.js';
import { startMetricsListener } from '../../src/ops/metrics-listener.js';
import { createEngine, simpleMessage, smtpServer, type Engine } from '../helpers/engine.js';
import { startSink, type Sink, type SinkScript } from '../helpers/smtp-sink.js';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../helpers/databases.js';
import { startRelay, type Relay } from '../smtp/relay-harness.js';
import { freePort } from '../helpers/ports.js';
import { killAllPostroom, openTestApp, postroomEnv, spawnPostroom } from '../helpers/processes.js';
import { until } from '../helpers/wait.js';

interface Family {
  name: string;
  type: string;
  metrics: Array<{ value?: string; labels?: Record<string, string> }>;
}
const parsePrometheus = createRequire(import.meta.url)('parse-prometheus-text-format') as (text: string) => Family[];

/** One scrape: families as the parser reads them, and each sample line by line. */
interface Scrape {
  families: Map<string, Family>;
  /** A counter's or gauge's value for exactly these labels; 0 when the series is absent (a counter not yet moved). */
  value(name: string, labels?: Record<string, string>): number;
  /**
   * A histogram sample (`_count`, `_bucket`, `_sum`). The parser collapses labelled histograms into
   * one sample without labels, count or sum (1.1.1), so these are read from the text itself.
   */
  sample(name: string, labels?: Record<string, string>): number;
  text: string;
}

function read(text: string): Scrape {
  const families = new Map(parsePrometheus(text).map((f) => [f.name, f]));
  const same = (a: Record<string, string> = {}, b: Record<string, string> = {}) => Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);
  const lines = text.split('\n').filter((l) => l && !l.startsWith('#'));
  return {
    families,
    text,
    value(name, labels = {}) {
      const found = families.get(name)?.metrics.find((m) => same(labels, m.labels));
      return found?.value === undefined ? 0 : Number(found.value);
    },
    sample(name, labels = {}) {
      for (const line of lines) {
        const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
        if (!match || match[1] !== name) continue;
        const got = Object.fromEntries([...(match[2] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]));
        if (same(labels, got)) return Number(match[3]);
      }
      return 0;
    },
  };
}

describe.each(testDatabaseKinds())('/metrics on %s', (kind) => {
  let engine: Engine | undefined;
  let relay: Relay | undefined;
  const closers: Array<() => Promise<unknown>> = [];
  /** Sinks close after the engine: its worker's sessions end first, so nothing waits for them. */
  const sinks: Sink[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    await relay?.close();
    await engine?.close();
    engine = relay = undefined;
    for (const sink of sinks.splice(0)) await sink.close();
  });

  async function http(app: App): Promise<FastifyInstance> {
    const built = await buildHttpApp(app);
    closers.push(() => built.close());
    return built;
  }

  async function sinkFor(script?: SinkScript): Promise<Sink> {
    const sink = await startSink(script ? { script } : {});
    sinks.push(sink);
    return sink;
  }

  async function scrape(app: FastifyInstance, headers: Record<string, string> = {}): Promise<Scrape> {
    const answer = await app.inject({ method: 'GET', url: '/metrics', headers });
    expect(answer.statusCode, answer.body).toBe(200);
    expect(answer.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return read(answer.body);
  }

  it('counts attempts, outcomes and latency as the worker delivers, and the database gauges follow', async () => {
    engine = await createEngine(kind);
    const sink = await sinkFor();
    const server = await engine.addServer(smtpServer(sink.port));
    const api = await http(engine.app);
    const labels = { server: server.name, code_class: '2xx' };

    const before = await scrape(api);
    expect(before.families.get('postroom_delivery_attempts_total')?.type).toBe('COUNTER');
    expect(before.value('postroom_delivery_attempts_total', labels)).toBe(0);
    expect(before.sample('postroom_delivery_latency_seconds_count', { server: server.name })).toBe(0);
    expect(before.value('postroom_database_up')).toBe(1);
    expect(before.value('postroom_server_state', { server: server.name, state: 'active' })).toBe(1);
    expect(before.value('postroom_server_state', { server: server.name, state: 'paused' })).toBe(0);
    expect(before.value('postroom_server_sessions_limit', { server: server.name })).toBe(engine.app.config.worker.defaultMaxConcurrent);

    const N = 6;
    const ids: string[] = [];
    for (let n = 0; n < N; n++) ids.push(await engine.enqueue(simpleMessage(n)));
    const queued = await scrape(api);
    expect(queued.value('postroom_messages', { status: 'queued' })).toBe(N);
    expect(queued.value('postroom_queue_recipients', { status: 'queued' })).toBe(N);
    expect(queued.value('postroom_queue_due_recipients')).toBe(N);
    expect(queued.value('postroom_queue_oldest_due_age_seconds')).toBeGreaterThanOrEqual(0);

    engine.startWorker();
    await engine.waitForStatus(ids, ['sent']);
    // Outcomes count once committed; the worker notes them just after.
    const after = await until('the counters to move', async () => {
      const s = await scrape(api);
      return s.value('postroom_delivery_attempts_total', labels) >= N ? s : undefined;
    });
    expect(after.value('postroom_delivery_attempts_total', labels)).toBe(N);
    expect(after.value('postroom_delivery_outcomes_total', { server: server.name, outcome: 'delivered' })).toBe(N);
    expect(after.families.get('postroom_delivery_latency_seconds')?.type).toBe('HISTOGRAM');
    expect(after.sample('postroom_delivery_latency_seconds_count', { server: server.name })).toBe(N);
    expect(after.sample('postroom_delivery_latency_seconds_bucket', { server: server.name, le: '+Inf' })).toBe(N);
    expect(after.sample('postroom_delivery_latency_seconds_bucket', { server: server.name, le: '86400' })).toBe(N);
    expect(after.value('postroom_messages', { status: 'sent' })).toBe(N);
    expect(after.value('postroom_messages', { status: 'queued' })).toBe(0);
    expect(after.value('postroom_queue_recipients', { status: 'queued' })).toBe(0);
    expect(after.value('postroom_queue_due_recipients')).toBe(0);
    expect(after.value('postroom_queue_oldest_due_age_seconds')).toBe(0);
    expect(sink.messages).toHaveLength(N);
  });

  it('counts 4xx and 5xx answers by class, and bounces and complaints by reason', async () => {
    engine = await createEngine(kind, { retry: { firstDelayMs: 60_000 } });
    const sink = await sinkFor({
      rcpt: (to) =>
        to.startsWith('gone@') ? { code: 550, text: '5.1.1 <gone@example.org>: Recipient address rejected: User unknown' } : to.startsWith('later@') ? { code: 451, text: '4.3.0 Try again later' } : undefined,
    });
    const server = await engine.addServer(smtpServer(sink.port));
    const api = await http(engine.app);
    const gone = await engine.enqueue(simpleMessage(1, { to: ['gone@example.org'] }));
    const later = await engine.enqueue(simpleMessage(2, { to: ['later@example.org'] }));
    engine.startWorker();
    await engine.waitForStatus([gone], ['failed']);
    await engine.waitForStatus([later], ['deferred']);
    // A complaint as the feedback loop stores it (ARF, feedback type abuse).
    await engine.app.store.db
      .insertInto('feedback')
      .values({ id: newId('fbk'), kind: 'complaint', source: 'inbound', message_id: null, recipient_id: null, campaign_id: null, server_id: null, address: 'someone@example.org', domain: 'example.org', reason: 'feedback', hard: 0, status: null, code: null, diagnostic: null, feedback_type: 'abuse', inbound_id: null, created_at: Date.now() })
      .execute();

    const s = await until('both outcomes to be counted', async () => {
      const got = await scrape(api);
      return got.value('postroom_delivery_outcomes_total', { server: server.name, outcome: 'deferred' }) >= 1 && got.value('postroom_delivery_outcomes_total', { server: server.name, outcome: 'failed' }) >= 1 ? got : undefined;
    });
    expect(s.value('postroom_delivery_attempts_total', { server: server.name, code_class: '5xx' })).toBe(1);
    expect(s.value('postroom_delivery_attempts_total', { server: server.name, code_class: '4xx' })).toBe(1);
    expect(s.value('postroom_delivery_attempts_total', { server: server.name, code_class: '2xx' })).toBe(0);
    // Nothing was delivered, so no latency was observed.
    expect(s.sample('postroom_delivery_latency_seconds_count', { server: server.name })).toBe(0);
    expect(s.value('postroom_bounces_last_24h', { reason: 'userunknown', severity: 'hard' })).toBe(1);
    expect(s.value('postroom_complaints_last_24h', { feedback_type: 'abuse' })).toBe(1);
    expect(s.value('postroom_messages', { status: 'failed' })).toBe(1);
    expect(s.value('postroom_queue_recipients', { status: 'deferred' })).toBe(1);
    // Deferred a minute ahead: in the queue, but not due.
    expect(s.value('postroom_queue_due_recipients')).toBe(0);
  });

  it('times API requests by route pattern and status class, never by the raw URL', async () => {
    engine = await createEngine(kind);
    const api = await http(engine.app);
    const id = 'msg_0000000000000000000';
    expect((await api.inject({ method: 'GET', url: `/api/v1/messages/${id}` })).statusCode).toBe(401);
    expect((await api.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    const s = await scrape(api);
    expect(s.sample('postroom_http_request_duration_seconds_count', { method: 'GET', route: '/api/v1/messages/:id', status_class: '4xx' })).toBe(1);
    expect(s.sample('postroom_http_request_duration_seconds_count', { method: 'GET', route: '/healthz', status_class: '2xx' })).toBe(1);
    expect(s.text).not.toContain(id);
  });

  it('asks for the token when one is set: 401 without or with a wrong one, 200 with it', async () => {
    engine = await createEngine(kind);
    const app: App = { ...engine.app, config: { ...engine.app.config, http: { ...engine.app.config.http, metricsToken: 'a-long-metrics-token' } } };
    const api = await http(app);
    const none = await api.inject({ method: 'GET', url: '/metrics' });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer /);
    expect(none.json()).toEqual({ error: { code: 'unauthorized', message: expect.stringContaining('Authorization: Bearer'), field: null } });
    expect((await api.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer not-the-token' } })).statusCode).toBe(401);
    const s = await scrape(api, { authorization: 'Bearer a-long-metrics-token' });
    expect(s.value('postroom_database_up')).toBe(1);
    // The probes stay open: a supervisor has no token.
    expect((await api.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('hides /metrics beyond loopback without a token, opens it on loopback', async () => {
    for (const host of ['0.0.0.0', '::', '192.0.2.10', '2001:db8::1']) {
      expect(metricsAccess(host, undefined)).toBe('hidden');
      expect(judgeMetricsRequest(metricsAccess(host, undefined), undefined, 'Bearer anything')).toEqual({ ok: false, status: 404, message: 'not found' });
      expect(metricsAccess(host, 'tok')).toBe('token');
      expect(judgeMetricsRequest('token', 'tok', 'Bearer tok')).toEqual({ ok: true });
    }
    for (const host of ['127.0.0.1', '127.0.1.1', '::1', '::ffff:127.0.0.1', 'localhost']) {
      expect(metricsAccess(host, undefined)).toBe('open');
      expect(metricsAccess(host, '')).toBe('open');
      expect(metricsAccess(host, 'tok')).toBe('token');
    }
    expect(judgeMetricsRequest('token', 'tok', undefined)).toMatchObject({ ok: false, status: 401 });

    // A real listener on loopback, read over HTTP as a scraper would.
    engine = await createEngine(kind);
    const api = await http(engine.app);
    await api.listen({ host: '127.0.0.1', port: 0 });
    const port = (api.server.address() as { port: number }).port;
    const answer = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(answer.status).toBe(200);
    expect(read(await answer.text()).value('postroom_database_up')).toBe(1);
  });

  it('counts relay sessions and transactions as an application submits over SMTP', async () => {
    relay = await startRelay(kind, { smtp: { loopbackPlainAuth: false } });
    const api = await http(relay.engine.app);
    const before = await scrape(api);
    // One pooled connection: both messages go through the same session.
    const client = nodemailer.createTransport({ pool: true, maxConnections: 1, host: '127.0.0.1', port: relay.port, secure: false, requireTLS: true, auth: { user: relay.username, pass: relay.password }, tls: { ca: relay.certs.caCert, servername: 'localhost' } });
    const sent = await client.sendMail({ from: 'orders@shop.example', to: 'anna@example.org', subject: 'Order', text: 'Thanks.' });
    expect(sent.response).toMatch(/^250 /);
    const during = await scrape(api);
    expect(during.value('postroom_relay_sessions_total') - before.value('postroom_relay_sessions_total')).toBe(1);
    expect(during.value('postroom_relay_transactions_total', { code_class: '2xx' }) - before.value('postroom_relay_transactions_total', { code_class: '2xx' })).toBe(1);
    expect(during.value('postroom_relay_sessions_open')).toBeGreaterThanOrEqual(1);

    // A sender the credential may not use is refused at MAIL FROM, before any transaction, in the same session.
    await expect(client.sendMail({ from: 'ceo@elsewhere.example', to: 'anna@example.org', subject: 'x', text: 'x' })).rejects.toThrow(/553/);
    client.close();
    const closed = await until('the session to close', async () => {
      const s = await scrape(api);
      return s.value('postroom_relay_sessions_open') === before.value('postroom_relay_sessions_open') ? s : undefined;
    });
    expect(closed.value('postroom_relay_sessions_total') - before.value('postroom_relay_sessions_total')).toBe(1);
    expect(closed.value('postroom_relay_transactions_total', { code_class: '2xx' }) - before.value('postroom_relay_transactions_total', { code_class: '2xx' })).toBe(1);
  });

  it('a worker serves its own /metrics and /healthz on the --metrics listener, and nothing else', async () => {
    engine = await createEngine(kind);
    const listener = await startMetricsListener(engine.app, { host: '127.0.0.1', port: 0 });
    closers.push(() => listener.close());
    const origin = `http://127.0.0.1:${listener.port}`;
    const health = await fetch(`${origin}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const metrics = await fetch(`${origin}/metrics`);
    expect(metrics.status).toBe(200);
    expect(read(await metrics.text()).value('postroom_database_up')).toBe(1);
    expect((await fetch(`${origin}/readyz`)).status).toBe(404);
    expect((await fetch(`${origin}/metrics`, { method: 'POST' })).status).toBe(405);
  });
});

describe('postroom worker --metrics', () => {
  let database: TestDatabase | undefined;
  const closers: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    await killAllPostroom();
    for (const close of closers.splice(0).reverse()) await close();
    await database?.drop();
    database = undefined;
  });

  it("serves the worker process's counters while it delivers", async () => {
    database = await createTestDatabase('sqlite');
    const app = await openTestApp(database);
    closers.push(() => app.close());
    const sink = await startSink();
    closers.push(() => sink.close());
    const { createServer } = await import('../../src/servers/index.js');
    await createServer(app, smtpServer(sink.port));
    const { enqueueMessage } = await import('../../src/spool/index.js');
    await enqueueMessage({ store: app.store, clock: app.clock, lifetimeMs: app.config.retry.lifetimeMs }, simpleMessage(1));

    const port = await freePort();
    const worker = spawnPostroom(['worker', '--metrics', `127.0.0.1:${port}`], postroomEnv(database));
    const scraped = await until('the worker to deliver and count it', async () => {
      const answer = await fetch(`http://127.0.0.1:${port}/metrics`).catch(() => null);
      if (!answer || answer.status !== 200) return undefined;
      const s = read(await answer.text());
      return s.value('postroom_delivery_attempts_total', { server: `sink-${sink.port}`, code_class: '2xx' }) === 1 ? s : undefined;
    });
    expect(scraped.value('postroom_messages', { status: 'sent' })).toBe(1);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    worker.kill('SIGTERM');
    expect((await worker.waitForExit(15_000)).code).toBe(0);
  });
});
