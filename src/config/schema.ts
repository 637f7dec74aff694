/**
 * Bootstrap configuration: what Postroom needs before it can open its database.
 * Product settings (servers, domain alias, limits) live in the database instead.
 * This folder is the only place that reads `process.env`.
 *
 * This schema is the one source of truth: each key's environment variable is attached to it
 * with `fromEnv`, load-config.ts reads the environment by walking it, and config-docs.ts renders
 * docs/configuration.md from it (keys, variables, defaults, descriptions).
 */
import { z } from 'zod';

export interface SettingSource {
  /** The environment variable the key is read from. */
  env: string;
  /** A command-line flag that sets it too (and wins over the variable). */
  flag?: string;
  /** Never printed: `postroom config` shows only whether it is set. */
  secret?: boolean;
}

/** Which environment variable (and flag) feeds each key; read by loadConfig and the docs. */
export const settingSources = z.registry<SettingSource>();

/** Marks `schema` as read from the environment variable `env`. */
function fromEnv<T extends z.ZodType>(env: string, schema: T, extra: Omit<SettingSource, 'env'> = {}): T {
  settingSources.add(schema, { env, ...extra });
  return schema;
}

const positiveInt = z.coerce.number().int().positive();

export const configSchema = z.object({
  dataDir: fromEnv('POSTROOM_DATA_DIR', z.string().min(1).default('./data').describe('Directory for the SQLite database and the secret key file.'), { flag: '--data' }),
  databaseUrl: fromEnv('DATABASE_URL', z.string().optional().describe('Unset or sqlite:PATH for SQLite in the data directory; postgres://… for PostgreSQL.')),
  secretKey: fromEnv(
    'POSTROOM_SECRET_KEY',
    z.string().optional().describe('Base64 or hex 32-byte key that encrypts secrets at rest. Without it a key file (secret.key, mode 0600) is created in the data directory.'),
    { secret: true },
  ),
  logLevel: fromEnv(
    'POSTROOM_LOG_LEVEL',
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('Log level. At debug and finer, delivery logs show whole recipient addresses; otherwise only their domains.'),
    { flag: '--log-level' },
  ),
  logFormat: fromEnv(
    'POSTROOM_LOG_FORMAT',
    z.enum(['auto', 'json', 'pretty']).default('auto').describe('Log lines on standard error: json (one object per line, for a log collector), pretty (readable), or auto: pretty when standard error is a terminal, json otherwise. Secrets are replaced in either.'),
  ),
  worker: z
    .object({
      leaseMs: fromEnv('POSTROOM_LEASE_MS', positiveInt.default(5 * 60_000).describe('How long a claimed recipient stays ours before another worker may take it over.')),
      claimBatch: fromEnv('POSTROOM_CLAIM_BATCH', positiveInt.default(200).describe('Recipients claimed per query.')),
      maxInFlight: fromEnv('POSTROOM_MAX_IN_FLIGHT', positiveInt.default(1000).describe('Most recipients one worker holds claimed at once.')),
      pollMs: fromEnv('POSTROOM_POLL_MS', positiveInt.default(500).describe('Pause between claims when nothing is due.')),
      defaultMaxConcurrent: positiveInt.default(5).describe('Sessions per server when the server sets no limit.'),
      unhealthyAfter: fromEnv('POSTROOM_UNHEALTHY_AFTER', positiveInt.default(5).describe('Connection or TLS failures in a row after which a server counts as unhealthy and routing passes it over.')),
      healthCheckMs: fromEnv('POSTROOM_HEALTH_CHECK_MS', positiveInt.default(60_000).describe('How often an unhealthy server\'s connection is tested, to bring it back.')),
    })
    .prefault({})
    .describe('The delivery workers: how they claim recipients and judge servers.'),
  api: z
    .object({
      rateLimitPerMinute: fromEnv('POSTROOM_API_RATE_LIMIT', positiveInt.default(60_000).describe('Requests per minute one API key (or one login session) may make; more answer 429 with Retry-After.')),
      bodyLimitBytes: fromEnv('POSTROOM_API_BODY_LIMIT', positiveInt.default(30 * 1024 * 1024).describe('Largest request body; larger ones answer 413.')),
    })
    .prefault({})
    .describe('The HTTP API.'),
  retry: z
    .object({
      firstDelayMs: fromEnv('POSTROOM_RETRY_FIRST_MS', positiveInt.default(60_000).describe('Delay before the first retry after a 4xx or connection error.')),
      maxDelayMs: fromEnv('POSTROOM_RETRY_MAX_MS', positiveInt.default(4 * 3600_000).describe('Longest delay between two retries.')),
      lifetimeMs: fromEnv('POSTROOM_MESSAGE_LIFETIME_MS', positiveInt.default(3 * 24 * 3600_000).describe('A message still undelivered this long after it was queued fails as expired.')),
      serverBackoffMs: fromEnv('POSTROOM_SERVER_BACKOFF_MS', positiveInt.default(60_000).describe('How long a server rests after a 421 or rate-limit answer, doubled while it keeps answering so.')),
    })
    .prefault({})
    .describe('Retries after a 4xx answer or a connection error, and how long a message may wait.'),
  dns: z
    .object({
      servers: fromEnv('POSTROOM_DNS', z.string().optional().describe('DNS servers for domain checks and DMARC lookups, comma-separated HOST or HOST:PORT; unset: the system resolver.')),
      timeoutMs: fromEnv('POSTROOM_DNS_TIMEOUT_MS', positiveInt.default(3000).describe('How long one DNS query may take before it is tried again.')),
    })
    .prefault({})
    .describe('DNS lookups for domain checks, DMARC and built-in delivery.'),
  direct: z
    .object({
      mtaStsPort: fromEnv('POSTROOM_MTA_STS_PORT', positiveInt.default(443).describe('Port of the HTTPS server an MTA-STS policy is fetched from (RFC 8461 §3.3); changed only for tests.')),
      mtaStsCa: fromEnv('POSTROOM_MTA_STS_CA', z.string().optional().describe('Path of extra CA certificates (PEM) trusted for MTA-STS policy hosts and MX certificates; for tests.')),
      shapingFile: fromEnv('POSTROOM_SHAPING_FILE', z.string().optional().describe('A shaping table read after the built-in rules/shaping.txt and the data directory\'s shaping.txt.')),
    })
    .prefault({})
    .describe('Built-in delivery to the recipients\' MX hosts.'),
  smtp: z
    .object({
      tlsCert: fromEnv(
        'POSTROOM_SMTP_TLS_CERT',
        z.string().optional().describe('PEM certificate (chain) the SMTP relay presents for STARTTLS and implicit TLS. Needed for a relay listening beyond loopback and for --smtps.'),
      ),
      tlsKey: fromEnv('POSTROOM_SMTP_TLS_KEY', z.string().optional().describe('PEM private key of that certificate.')),
      loopbackPlainAuth: fromEnv(
        'POSTROOM_SMTP_LOOPBACK_PLAIN_AUTH',
        z
          .union([z.boolean(), z.stringbool()])
          .default(true)
          .describe('Offer AUTH without TLS on a relay listener bound to loopback (127.0.0.0/8, ::1), where nothing crosses the network; any other listener offers AUTH only after TLS.'),
      ),
      maxMessageBytes: fromEnv('POSTROOM_SMTP_MAX_MESSAGE_BYTES', positiveInt.default(25 * 1024 * 1024).describe('Largest message the relay accepts (announced as SIZE); larger ones answer 552.')),
      maxRecipients: fromEnv('POSTROOM_SMTP_MAX_RECIPIENTS', positiveInt.default(100).describe('Recipients per message; more answer 452.')),
      maxConnectionsPerIp: fromEnv('POSTROOM_SMTP_MAX_CONNECTIONS_PER_IP', positiveInt.default(20).describe('Relay connections open at once from one client IP (IPv6: one /64); more answer 421.')),
      maxClients: fromEnv('POSTROOM_SMTP_MAX_CLIENTS', positiveInt.default(500).describe('Relay connections open at once in all.')),
      authFailuresPerIp: fromEnv('POSTROOM_SMTP_AUTH_FAILURES', positiveInt.default(5).describe('Failed AUTH attempts from one client IP within authFailureWindowMs after which AUTH answers 421.')),
      authFailureWindowMs: fromEnv('POSTROOM_SMTP_AUTH_FAILURE_WINDOW_MS', positiveInt.default(15 * 60_000).describe('The window failed AUTH attempts are counted in.')),
      idleTimeoutMs: fromEnv('POSTROOM_SMTP_IDLE_TIMEOUT_MS', positiveInt.default(60_000).describe('A relay client that sends nothing for this long is told 421 and disconnected.')),
      sessionTimeoutMs: fromEnv(
        'POSTROOM_SMTP_SESSION_TIMEOUT_MS',
        positiveInt.default(30 * 60_000).describe('Longest relay session, however busy; then 421 and disconnect, so a client trickling bytes cannot hold a connection for ever.'),
      ),
    })
    .prefault({})
    .describe('The SMTP relay for applications (`postroom serve --smtp / --smtps`).'),
  http: z
    .object({
      metricsToken: fromEnv(
        'POSTROOM_METRICS_TOKEN',
        z.string().optional().describe('Bearer token /metrics asks for. Needed when the HTTP listener is not on loopback: without it /metrics answers 404 there.'),
        { secret: true },
      ),
    })
    .prefault({})
    .describe('The HTTP listener\'s operational endpoints.'),
  shutdown: z
    .object({
      graceMs: fromEnv(
        'POSTROOM_SHUTDOWN_GRACE_MS',
        positiveInt.default(30_000).describe('On SIGTERM, how long SMTP transactions in flight may take to finish before their recipients are released to other workers.'),
      ),
    })
    .prefault({})
    .describe('Stopping on SIGTERM.'),
  retention: z
    .object({
      pruneAfterDays: fromEnv(
        'POSTROOM_PRUNE_AFTER_DAYS',
        positiveInt.default(90).describe('Age after which `postroom prune` (without --older-than) deletes the bodies and events of finished messages; the statistics stay.'),
      ),
    })
    .prefault({})
    .describe('How long finished messages keep their bodies and events.'),
  oauth: z
    .object({
      gmailAuthorizeUrl: fromEnv('POSTROOM_GMAIL_AUTHORIZE_URL', z.string().url().default('https://accounts.google.com/o/oauth2/v2/auth').describe('Google\'s authorization endpoint.')),
      gmailTokenUrl: fromEnv('POSTROOM_GMAIL_TOKEN_URL', z.string().url().default('https://oauth2.googleapis.com/token').describe('Google\'s token endpoint.')),
      microsoftAuthorizeUrl: fromEnv(
        'POSTROOM_MICROSOFT_AUTHORIZE_URL',
        z
          .string()
          .url()
          .default('https://login.microsoftonline.com/common/oauth2/v2.0/authorize')
          .describe('Microsoft identity platform authorization endpoint; replace `common` with a tenant id to limit it.'),
      ),
      microsoftTokenUrl: fromEnv(
        'POSTROOM_MICROSOFT_TOKEN_URL',
        z.string().url().default('https://login.microsoftonline.com/common/oauth2/v2.0/token').describe('Microsoft identity platform token endpoint.'),
      ),
      publicUrl: fromEnv(
        'POSTROOM_PUBLIC_URL',
        z.string().url().optional().describe('The address people reach this Postroom at, for the OAuth redirect (…/api/v1/oauth/callback); default: the HTTP listener\'s.'),
      ),
    })
    .prefault({})
    .describe('Gmail and Microsoft 365 accounts connected with OAuth 2.0.'),
});

export type Config = z.infer<typeof configSchema>;
export type WorkerConfig = Config['worker'];
export type RetryConfig = Config['retry'];
export type SmtpConfig = Config['smtp'];
export type ShutdownConfig = Config['shutdown'];
