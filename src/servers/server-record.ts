import type { ServerRow, ServerKind, ServerSecurity, ServerAuth } from '../store/index.js';
import type { SecretBox } from './secret-box.js';

/** An outgoing server as the rest of Postroom sees it. Secrets stay sealed until a transport opens them. */
export interface OutgoingServer {
  id: string;
  name: string;
  kind: ServerKind;
  priority: number;
  fromFilter: string;
  active: boolean;
  host: string;
  port: number;
  security: ServerSecurity;
  auth: ServerAuth;
  username: string | null;
  tlsVerify: boolean;
  tlsCa: string | null;
  maxConcurrent: number | null;
  perMinute: number | null;
  perHour: number | null;
  perDay: number | null;
  pausedUntil: number | null;
  pauseReason: string | null;
  pauseCount: number;
  /** Name sent with EHLO; null: the worker's host name. */
  ehloName: string | null;
  /** Direct delivery: local addresses to send from, in turn (empty: the system's choice). */
  sourceAddresses: string[];
  /** Gmail / Microsoft: the account's address. */
  account: string | null;
  /** Slow-down level: concurrency and rate halved per level; steps down by one at `throttleUntil`. */
  throttleLevel: number;
  throttleUntil: number | null;
  throttleReason: string | null;
  /** While slowed down: the most messages per minute. */
  throttleRate: number | null;
  /** How long each slow-down level lasts. */
  throttlePeriod: number | null;
  /** Consecutive connection or TLS failures. */
  healthFailures: number;
  /** Since when routing passes this server over (too many failures in a row); null: healthy. */
  unhealthySince: number | null;
  unhealthyReason: string | null;
  createdAt: number;
  updatedAt: number;
  /** The sealed secrets; never shown, only opened with `openServerSecrets`. */
  sealedSecret: string | null;
}

export interface ServerSecrets {
  password?: string;
  certificate?: string;
  privateKey?: string;
}

export function serverFromRow(row: ServerRow): OutgoingServer {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    priority: row.priority,
    fromFilter: row.from_filter,
    active: row.active === 1,
    host: row.host,
    port: row.port,
    security: row.security,
    auth: row.auth,
    username: row.username,
    tlsVerify: row.tls_verify === 1,
    tlsCa: row.tls_ca,
    maxConcurrent: row.max_concurrent,
    perMinute: row.per_minute,
    perHour: row.per_hour,
    perDay: row.per_day,
    pausedUntil: row.paused_until,
    pauseReason: row.pause_reason,
    pauseCount: row.pause_count,
    ehloName: row.ehlo_name,
    sourceAddresses: row.source_addresses.split(',').map((s) => s.trim()).filter(Boolean),
    account: row.account,
    throttleLevel: row.throttle_level,
    throttleUntil: row.throttle_until,
    throttleReason: row.throttle_reason,
    throttleRate: row.throttle_rate,
    throttlePeriod: row.throttle_period,
    healthFailures: row.health_failures,
    unhealthySince: row.unhealthy_since,
    unhealthyReason: row.unhealthy_reason,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    sealedSecret: row.secret,
  };
}

export function openServerSecrets(server: OutgoingServer, box: SecretBox): ServerSecrets {
  return server.sealedSecret ? (JSON.parse(box.open(server.sealedSecret)) as ServerSecrets) : {};
}

/** What may be shown to a person or printed: everything but the secrets (and whether they are set), times as ISO 8601. */
export function publicServer(server: OutgoingServer) {
  const { sealedSecret, pausedUntil, throttleUntil, unhealthySince, createdAt, updatedAt, ...rest } = server;
  const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString());
  return {
    ...rest,
    pausedUntil: iso(pausedUntil),
    throttleUntil: iso(throttleUntil),
    unhealthySince: iso(unhealthySince),
    createdAt: new Date(createdAt).toISOString(),
    updatedAt: new Date(updatedAt).toISOString(),
    hasSecret: sealedSecret !== null,
  };
}
