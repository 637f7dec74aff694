import { configSchema, type Config } from './schema.js';

export interface ConfigOverrides {
  dataDir?: string;
  databaseUrl?: string;
  logLevel?: string;
  /** Log only warnings and errors unless a level is set (for `--json` output). */
  quiet?: boolean;
}

type Env = Record<string, string | undefined>;

/** Reads bootstrap configuration from the environment, with command-line flags taking precedence. */
export function loadConfig(overrides: ConfigOverrides = {}, env: Env = process.env): Config {
  const raw = {
    dataDir: overrides.dataDir ?? env.POSTROOM_DATA_DIR,
    databaseUrl: overrides.databaseUrl ?? env.DATABASE_URL,
    secretKey: env.POSTROOM_SECRET_KEY,
    logLevel: overrides.logLevel ?? env.POSTROOM_LOG_LEVEL ?? (overrides.quiet ? 'warn' : undefined),
    worker: {
      leaseMs: env.POSTROOM_LEASE_MS,
      claimBatch: env.POSTROOM_CLAIM_BATCH,
      maxInFlight: env.POSTROOM_MAX_IN_FLIGHT,
      pollMs: env.POSTROOM_POLL_MS,
      unhealthyAfter: env.POSTROOM_UNHEALTHY_AFTER,
      healthCheckMs: env.POSTROOM_HEALTH_CHECK_MS,
    },
    api: {
      rateLimitPerMinute: env.POSTROOM_API_RATE_LIMIT,
      bodyLimitBytes: env.POSTROOM_API_BODY_LIMIT,
    },
    retry: {
      firstDelayMs: env.POSTROOM_RETRY_FIRST_MS,
      maxDelayMs: env.POSTROOM_RETRY_MAX_MS,
      lifetimeMs: env.POSTROOM_MESSAGE_LIFETIME_MS,
      serverBackoffMs: env.POSTROOM_SERVER_BACKOFF_MS,
    },
    dns: {
      servers: env.POSTROOM_DNS,
      timeoutMs: env.POSTROOM_DNS_TIMEOUT_MS,
    },
    direct: {
      mtaStsPort: env.POSTROOM_MTA_STS_PORT,
      mtaStsCa: env.POSTROOM_MTA_STS_CA,
      shapingFile: env.POSTROOM_SHAPING_FILE,
    },
    smtp: {
      tlsCert: env.POSTROOM_SMTP_TLS_CERT,
      tlsKey: env.POSTROOM_SMTP_TLS_KEY,
      loopbackPlainAuth: env.POSTROOM_SMTP_LOOPBACK_PLAIN_AUTH,
      maxMessageBytes: env.POSTROOM_SMTP_MAX_MESSAGE_BYTES,
      maxRecipients: env.POSTROOM_SMTP_MAX_RECIPIENTS,
      maxConnectionsPerIp: env.POSTROOM_SMTP_MAX_CONNECTIONS_PER_IP,
      maxClients: env.POSTROOM_SMTP_MAX_CLIENTS,
      authFailuresPerIp: env.POSTROOM_SMTP_AUTH_FAILURES,
      authFailureWindowMs: env.POSTROOM_SMTP_AUTH_FAILURE_WINDOW_MS,
      idleTimeoutMs: env.POSTROOM_SMTP_IDLE_TIMEOUT_MS,
      sessionTimeoutMs: env.POSTROOM_SMTP_SESSION_TIMEOUT_MS,
    },
    oauth: {
      gmailAuthorizeUrl: env.POSTROOM_GMAIL_AUTHORIZE_URL,
      gmailTokenUrl: env.POSTROOM_GMAIL_TOKEN_URL,
      microsoftAuthorizeUrl: env.POSTROOM_MICROSOFT_AUTHORIZE_URL,
      microsoftTokenUrl: env.POSTROOM_MICROSOFT_TOKEN_URL,
      publicUrl: env.POSTROOM_PUBLIC_URL,
    },
  };
  const parsed = configSchema.safeParse(dropUndefined(raw));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`configuration: ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

function dropUndefined(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined || v === '') continue;
    out[k] = dropUndefined(v);
  }
  return out;
}
