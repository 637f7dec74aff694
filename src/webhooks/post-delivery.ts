/**
 * One attempt: POST the delivery's JSON body to the endpoint, signed, and turn whatever happens
 * into an AttemptResult. Redirects are not followed (a 3xx is a failed attempt): following one
 * would let an endpoint send Postroom on to an address that was never checked.
 */
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { guardedLookup, hostOf, isPrivateAddress, PrivateAddressError, type ResolveHost } from './check-url.js';
import { signatureHeader } from './sign-payload.js';
import type { AttemptResult } from './delivery-queue.js';

export interface PostOptions {
  /** No answer (headers and body) within this long is a failed attempt. */
  timeoutMs: number;
  allowPrivate: boolean;
  agents: DeliveryAgents;
}

/** Keep-alive connections, in two pools: one whose every connection was checked, one for when private addresses are allowed. */
export interface DeliveryAgents {
  checked: { http: http.Agent; https: https.Agent };
  open: { http: http.Agent; https: https.Agent };
  destroy(): void;
}

export function createDeliveryAgents(resolve?: ResolveHost): DeliveryAgents {
  const lookup = guardedLookup(resolve);
  const agents = {
    checked: { http: new http.Agent({ keepAlive: true, lookup }), https: new https.Agent({ keepAlive: true, lookup }) },
    open: { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) },
  };
  return { ...agents, destroy: () => [agents.checked.http, agents.checked.https, agents.open.http, agents.open.https].forEach((a) => a.destroy()) };
}

const USER_AGENT = 'Postroom-Webhooks/1';

export function postDelivery(target: { id: string; url: string; secret: string; payload: string }, nowMs: number, options: PostOptions): Promise<AttemptResult> {
  const url = new URL(target.url);
  const host = hostOf(url);
  // A literal address is connected to without a lookup, so it is checked here.
  if (!options.allowPrivate && isIP(host) && isPrivateAddress(host)) {
    return Promise.resolve({ kind: 'failed', statusCode: null, error: new PrivateAddressError(host, host).message });
  }
  const pool = options.allowPrivate ? options.agents.open : options.agents.checked;
  const body = Buffer.from(target.payload, 'utf8');
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: AttemptResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const request = (url.protocol === 'https:' ? https : http).request(url, {
      method: 'POST',
      agent: url.protocol === 'https:' ? pool.https : pool.http,
      headers: {
        'content-type': 'application/json',
        'content-length': body.length,
        'user-agent': USER_AGENT,
        'postroom-signature': signatureHeader(target.secret, target.payload, nowMs),
        'postroom-delivery': target.id,
      },
    });
    const timer = setTimeout(() => {
      finish({ kind: 'failed', statusCode: null, error: `ETIMEDOUT: no answer within ${options.timeoutMs / 1000} s` });
      request.destroy();
    }, options.timeoutMs);
    request.on('error', (error: NodeJS.ErrnoException) => finish({ kind: 'failed', statusCode: null, error: describeError(error) }));
    request.on('response', (response) => {
      const status = response.statusCode ?? 0;
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        if (text.length < 300) text += chunk;
      });
      response.on('error', (error: NodeJS.ErrnoException) => finish({ kind: 'failed', statusCode: status, error: describeError(error) }));
      response.on('close', () => finish({ kind: 'failed', statusCode: status, error: 'the connection closed before the answer ended' }));
      response.on('end', () => {
        if (status >= 200 && status < 300) finish({ kind: 'delivered', statusCode: status });
        else finish({ kind: 'failed', statusCode: status, error: `HTTP ${status}${text ? `: ${text.slice(0, 300).replace(/\s+/g, ' ').trim()}` : ''}` });
      });
    });
    request.end(body);
  });
}

function describeError(error: NodeJS.ErrnoException): string {
  return error.code && !error.message.includes(error.code) ? `${error.code}: ${error.message}` : error.message;
}
