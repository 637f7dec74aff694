/**
 * `GET /metrics`: Prometheus text format (src/ops/metrics.ts), outside /api/v1. Who may read it
 * is decided by src/ops/metrics-access.ts from the listener's address and the metrics token;
 * the decision is made once the app listens, with a warning when it hides /metrics. Also times
 * every request by its route pattern (`/api/v1/messages/:id`, never the URL with its ids).
 */
import type { FastifyInstance } from 'fastify';
import { createMetrics, type Metrics } from '../../ops/metrics.js';
import { HIDDEN_WARNING, judgeMetricsRequest, metricsAccess } from '../../ops/metrics-access.js';
import { ApiError } from '../api-error.js';
import type { HttpContext } from '../context.js';

/** Registers /metrics and the request timing hook; call before the other routes so the hook sees them all. */
export function metricsRoute(app: FastifyInstance, ctx: HttpContext, metrics: Metrics = createMetrics(ctx)): Metrics {
  const token = ctx.config.http.metricsToken || undefined;
  // Until the app listens, requests come in-process (inject): as from loopback.
  let access = metricsAccess(null, token);
  app.addHook('onListen', async () => {
    const bound = app.server.address();
    access = metricsAccess(typeof bound === 'object' && bound ? bound.address : null, token);
    if (access === 'hidden') app.log.warn(HIDDEN_WARNING);
  });
  app.addHook('onResponse', async (request, reply) => {
    metrics.observeRequest(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
  });
  app.addHook('onClose', async () => metrics.close());

  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    const verdict = judgeMetricsRequest(access, token, request.headers.authorization);
    if (!verdict.ok) {
      if (verdict.status === 401) void reply.header('www-authenticate', 'Bearer realm="postroom metrics"');
      throw new ApiError(verdict.status, verdict.status === 401 ? 'unauthorized' : 'not_found', verdict.message);
    }
    void reply.header('cache-control', 'no-store').type(metrics.contentType);
    return metrics.render();
  });
  return metrics;
}
