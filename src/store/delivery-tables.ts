/**
 * Tables of the ways out (migration 0011-delivery-paths): per-destination throttles of direct
 * delivery, and the OAuth 2.0 grants of Gmail and Microsoft servers.
 */
/** Per direct server and destination (a domain's MX hosts, rolled up): a pause and a slow-down level. */
export interface DestinationThrottlesTable {
  server_id: string;
  destination: string;
  paused_until: number | null;
  pause_reason: string | null;
  pause_count: number;
  throttle_level: number;
  throttle_until: number | null;
  throttle_reason: string | null;
  throttle_rate: number | null;
  throttle_period: number | null;
  updated_at: number;
}

/** A Gmail / Microsoft server's OAuth 2.0 grant; tokens and the client secret sealed. */
export interface OAuthGrantsTable {
  server_id: string;
  provider: 'gmail' | 'microsoft';
  client_id: string;
  client_secret: string | null;
  account: string | null;
  refresh_token: string | null;
  access_token: string | null;
  access_expires_at: number | null;
  revoked_at: number | null;
  revoked_reason: string | null;
  created_at: number;
  updated_at: number;
}

/** An authorization under way (PKCE, RFC 7636): the verifier sealed, valid until `expires_at`. */
export interface OAuthStatesTable {
  state: string;
  server_id: string;
  code_verifier: string;
  redirect_uri: string;
  created_at: number;
  expires_at: number;
}

/** Sends reserved per quota key (`SERVER_ID:minute`) and window start, for quotas across the cluster. */
export interface RateWindowsTable {
  key: string;
  window_start: number;
  used: number;
}
