/**
 * Who may read /metrics. Its numbers say how much mail goes where, through which servers: not for
 * everyone on the network. A token (config `http.metricsToken`) is asked for whenever one is
 * configured; without one, /metrics is open on a loopback listener (the scraper runs on the same
 * machine) and answers 404 elsewhere, so an exposed port gives nothing away.
 *
 * A reverse proxy in front of a loopback listener makes /metrics public unless the proxy keeps
 * it out (docs: the example proxy config) or a token is set.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { isLoopbackHost } from '../lib/loopback.js';

export type MetricsAccess = 'open' | 'token' | 'hidden';


/** `listenHost`: the address the listener is bound to; null when there is none (requests made in-process). */
export function metricsAccess(listenHost: string | null, token: string | undefined): MetricsAccess {
  if (token) return 'token';
  return listenHost === null || isLoopbackHost(listenHost) ? 'open' : 'hidden';
}

export type MetricsVerdict = { ok: true } | { ok: false; status: 401 | 404; message: string };

/** What a request with this Authorization header gets. */
export function judgeMetricsRequest(access: MetricsAccess, token: string | undefined, authorization: string | undefined): MetricsVerdict {
  if (access === 'open') return { ok: true };
  if (access === 'hidden' || !token) return { ok: false, status: 404, message: 'not found' };
  const given = /^Bearer\s+(.+)$/i.exec(authorization ?? '')?.[1]?.trim();
  if (!given) return { ok: false, status: 401, message: '/metrics needs the metrics token: Authorization: Bearer TOKEN' };
  // Compared as digests: equal lengths, and no timing hint of how much of the token matched.
  const digest = (value: string): Buffer => createHash('sha256').update(value).digest();
  if (!timingSafeEqual(digest(given), digest(token))) return { ok: false, status: 401, message: 'the metrics token is wrong' };
  return { ok: true };
}

/** The warning logged at start when /metrics will answer 404. */
export const HIDDEN_WARNING =
  '/metrics answers 404: the listener is not on loopback and no metrics token is set; set POSTROOM_METRICS_TOKEN (config http.metricsToken) and scrape with Authorization: Bearer TOKEN';
