/**
 * Routing: which outgoing server carries a message, and whether its From must be rewritten.
 *
 * 1. A message that names an active server uses it, as it is.
 * 2. Otherwise the active servers whose From filter matches the From address compete: an
 *    address match beats a domain match, which beats an empty filter; within a level the lowest
 *    priority number wins; ties go to the server created first.
 * 3. If none matches, From becomes `{default_from}@{domain_alias}` (the original moves to
 *    Reply-To unless the message has one) and step 2 runs again on the new address.
 * 4. Still nothing: no route, and the message fails with that reason.
 *
 * Failover: in steps 2 and 3 an unhealthy server (too many failed connections in a row) is
 * passed over while a healthy one matches; with none healthy, the unhealthy ones compete as
 * usual, since trying beats failing the message.
 */
import { FilterMatch, matchFromFilter } from './from-filter.js';

export interface RoutableServer {
  id: string;
  name: string;
  active: boolean;
  priority: number;
  fromFilter: string;
  createdAt: number;
  /** Set while the server is unhealthy. */
  unhealthySince?: number | null;
}

export interface RoutingSettings {
  domainAlias: string | null;
  defaultFrom: string | null;
}

export type Route<S extends RoutableServer> =
  | { kind: 'route'; server: S; rewrittenFrom: string | null }
  | { kind: 'none'; reason: string };

export function routeMessage<S extends RoutableServer>(
  servers: readonly S[],
  settings: RoutingSettings,
  fromAddress: string,
  requestedServerId: string | null,
): Route<S> {
  if (requestedServerId) {
    const named = servers.find((s) => s.id === requestedServerId);
    if (named?.active) return { kind: 'route', server: named, rewrittenFrom: null };
  }
  const direct = bestServer(servers, fromAddress);
  if (direct) return { kind: 'route', server: direct, rewrittenFrom: null };

  if (!settings.domainAlias || !settings.defaultFrom) {
    return { kind: 'none', reason: `no active server accepts From ${fromAddress}, and domain_alias / default_from are not set to rewrite it` };
  }
  const alias = `${settings.defaultFrom}@${settings.domainAlias}`;
  const fallback = bestServer(servers, alias);
  if (fallback) return { kind: 'route', server: fallback, rewrittenFrom: alias };
  return { kind: 'none', reason: `no active server accepts From ${fromAddress} nor the rewritten From ${alias}` };
}

function bestServer<S extends RoutableServer>(servers: readonly S[], fromAddress: string): S | null {
  return bestOf(servers.filter((s) => !s.unhealthySince), fromAddress) ?? bestOf(servers, fromAddress);
}

function bestOf<S extends RoutableServer>(servers: readonly S[], fromAddress: string): S | null {
  let best: S | null = null;
  let bestMatch = FilterMatch.None;
  for (const server of servers) {
    if (!server.active) continue;
    const match = matchFromFilter(server.fromFilter, fromAddress);
    if (match === FilterMatch.None) continue;
    if (!best || match > bestMatch || (match === bestMatch && preferred(server, best))) {
      best = server;
      bestMatch = match;
    }
  }
  return best;
}

function preferred(a: RoutableServer, b: RoutableServer): boolean {
  if (a.priority !== b.priority) return a.priority < b.priority;
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt;
  return a.id < b.id;
}
