/** The outgoing servers' shapes the API answers with (GET /servers, /servers/:id, Test Connection). */

/** smtp: a relay; direct: Postroom's own delivery to the recipients' MX hosts; gmail / microsoft: an account. */
export type ServerKind = 'smtp' | 'direct' | 'gmail' | 'microsoft' | 'sandbox';
export type Security = 'none' | 'starttls' | 'tls';
export type ServerAuth = 'none' | 'password' | 'certificate' | 'oauth2';
/** What routing makes of a server now (src/servers/describe-server-state.ts). */
export type ServerState = 'inactive' | 'paused' | 'unhealthy' | 'slowed' | 'active';
export interface QuotaUsage {
  window: 'minute' | 'hour' | 'day';
  limit: number;
  used: number;
  resetsAt: string;
}
/** A destination of a direct server that its own answers paused or slowed down. */
export interface DestinationThrottle {
  destination: string;
  state: 'paused' | 'slowed';
  until: string;
  reason: string;
  rate: number | null;
  level: number;
}
export interface ServerView {
  id: string;
  name: string;
  kind: ServerKind;
  priority: number;
  fromFilter: string;
  active: boolean;
  host: string;
  port: number;
  security: Security;
  auth: ServerAuth;
  username: string | null;
  tlsVerify: boolean;
  tlsCa: string | null;
  maxConcurrent: number | null;
  perMinute: number | null;
  perHour: number | null;
  perDay: number | null;
  pausedUntil: string | null;
  pauseReason: string | null;
  pauseCount: number;
  ehloName: string | null;
  sourceAddresses: string[];
  /** Gmail / Microsoft: the address it sends as. */
  account: string | null;
  throttleLevel: number;
  throttleUntil: string | null;
  throttleReason: string | null;
  throttleRate: number | null;
  healthFailures: number;
  unhealthySince: string | null;
  unhealthyReason: string | null;
  state: ServerState;
  /** The state in one line: "paused until 2026-12-02 14:05 UTC because: 421 4.7.0 …". */
  stateText: string;
  createdAt: string;
  updatedAt: string;
  hasSecret: boolean;
  /** GET /servers/:id only, for an oauth2 server. */
  oauthConnected?: boolean;
  oauthRevoked?: boolean;
  /** The OAuth client id kept for connecting; null: the next connect must give one. */
  oauthClientId?: string | null;
  /** GET /servers/:id only. */
  quotas?: QuotaUsage[];
  /** GET /servers/:id of a direct server only. */
  destinations?: DestinationThrottle[];
}
export type TestResult = { ok: true; detail: string } | { ok: false; stage: string; message: string };
