/**
 * `postroom worker --metrics HOST:PORT`: a worker has no HTTP API, so a tiny node:http server
 * answers `GET /metrics` (the same rules as the API's: metrics-access.ts) and `GET /healthz`,
 * and nothing else. Each worker's counters are scraped from its own listener; the
 * database-derived gauges are the same from any process.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMetrics, type Metrics, type MetricsDeps } from './metrics.js';
import { HIDDEN_WARNING, judgeMetricsRequest, metricsAccess } from './metrics-access.js';
import { InputError } from '../lib/input-error.js';

export interface MetricsListener {
  /** The bound port (useful with port 0). */
  port: number;
  metrics: Metrics;
  close(): Promise<void>;
}

export type MetricsListenerDeps = MetricsDeps & { config: MetricsDeps['config'] & { http: { metricsToken?: string | undefined } } };

/** `flag` names the option a port already taken is blamed on. */
export async function startMetricsListener(deps: MetricsListenerDeps, at: { host: string; port: number }, flag = '--metrics'): Promise<MetricsListener> {
  const metrics = createMetrics(deps);
  const token = deps.config.http.metricsToken || undefined;
  const access = metricsAccess(at.host, token);
  const log = deps.log.child({ component: 'metrics' });
  if (access === 'hidden') log.warn(HIDDEN_WARNING);

  const send = (response: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void => {
    response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...headers }).end(body);
  };
  const json = (response: ServerResponse, status: number, body: unknown, headers?: Record<string, string>): void => send(response, status, 'application/json; charset=utf-8', JSON.stringify(body), headers);
  const error = (code: string, message: string) => ({ error: { code, message, field: null } });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') return json(response, 405, error('invalid', 'only GET is answered here'), { allow: 'GET, HEAD' });
    if (path === '/healthz') return json(response, 200, { status: 'ok' });
    if (path !== '/metrics') return json(response, 404, error('not_found', 'not found: this listener answers /metrics and /healthz'));
    const verdict = judgeMetricsRequest(access, token, request.headers.authorization);
    if (!verdict.ok) {
      const extra: Record<string, string> = verdict.status === 401 ? { 'www-authenticate': 'Bearer realm="postroom metrics"' } : {};
      return json(response, verdict.status, error(verdict.status === 401 ? 'unauthorized' : 'not_found', verdict.message), extra);
    }
    send(response, 200, metrics.contentType, await metrics.render());
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((cause: unknown) => {
      log.error({ err: cause }, 'could not answer a metrics request');
      if (!response.headersSent) json(response, 500, error('internal', 'could not render the metrics'));
      else response.destroy();
    });
  });
  // A scraper keeps its connection open between scrapes; closing must not wait for it.
  server.keepAliveTimeout = 5_000;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(at.port, at.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (cause) {
    metrics.close();
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') throw new InputError(flag, `cannot listen on ${at.host}:${at.port} (${code}); choose another HOST:PORT`);
    throw cause;
  }
  const port = (server.address() as AddressInfo).port;
  log.info({ listen: `${at.host}:${port}` }, 'metrics listening (/metrics, /healthz)');
  return {
    port,
    metrics,
    async close() {
      metrics.close();
      server.closeIdleConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
