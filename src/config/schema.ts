/**
 * Bootstrap configuration: what Postroom needs before it can open its database.
 * Product settings (servers, domain alias, limits) live in the database instead.
 * This folder is the only place that reads `process.env`.
 */
import { z } from 'zod';

const positiveInt = z.coerce.number().int().positive();

export const configSchema = z.object({
  dataDir: z.string().min(1).default('./data').describe('Directory for the SQLite database and the secret key file (env POSTROOM_DATA_DIR, flag --data).'),
  databaseUrl: z
    .string()
    .optional()
    .describe('Unset or sqlite:PATH for SQLite in the data directory; postgres://… for PostgreSQL (env DATABASE_URL).'),
  secretKey: z
    .string()
    .optional()
    .describe('Base64 or hex 32-byte key that encrypts secrets at rest (env POSTROOM_SECRET_KEY). Without it a key file is created in the data directory.'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('Log level (env POSTROOM_LOG_LEVEL).'),
  worker: z
    .object({
      leaseMs: positiveInt.default(5 * 60_000).describe('How long a claimed recipient stays ours before another worker may take it over (env POSTROOM_LEASE_MS).'),
      claimBatch: positiveInt.default(200).describe('Recipients claimed per query (env POSTROOM_CLAIM_BATCH).'),
      maxInFlight: positiveInt.default(1000).describe('Most recipients one worker holds claimed at once (env POSTROOM_MAX_IN_FLIGHT).'),
      pollMs: positiveInt.default(500).describe('Pause between claims when nothing is due (env POSTROOM_POLL_MS).'),
      defaultMaxConcurrent: positiveInt.default(5).describe('Sessions per server when the server sets no limit.'),
      unhealthyAfter: positiveInt.default(5).describe('Connection or TLS failures in a row after which a server counts as unhealthy and routing passes it over (env POSTROOM_UNHEALTHY_AFTER).'),
      healthCheckMs: positiveInt.default(60_000).describe('How often an unhealthy server\'s connection is tested, to bring it back (env POSTROOM_HEALTH_CHECK_MS).'),
    })
    .prefault({}),
  api: z
    .object({
      rateLimitPerMinute: positiveInt.default(60_000).describe('Requests per minute one API key (or one login session) may make; more answer 429 with Retry-After (env POSTROOM_API_RATE_LIMIT).'),
      bodyLimitBytes: positiveInt.default(30 * 1024 * 1024).describe('Largest request body; larger ones answer 413 (env POSTROOM_API_BODY_LIMIT).'),
    })
    .prefault({}),
  retry: z
    .object({
      firstDelayMs: positiveInt.default(60_000).describe('Delay before the first retry after a 4xx or connection error (env POSTROOM_RETRY_FIRST_MS).'),
      maxDelayMs: positiveInt.default(4 * 3600_000).describe('Longest delay between two retries (env POSTROOM_RETRY_MAX_MS).'),
      lifetimeMs: positiveInt.default(3 * 24 * 3600_000).describe('A message still undelivered this long after it was queued fails as expired (env POSTROOM_MESSAGE_LIFETIME_MS).'),
      serverBackoffMs: positiveInt.default(60_000).describe('How long a server rests after a 421 or rate-limit answer, doubled while it keeps answering so (env POSTROOM_SERVER_BACKOFF_MS).'),
    })
    .prefault({}),
  dns: z
    .object({
      servers: z
        .string()
        .optional()
        .describe('DNS servers for domain checks and DMARC lookups, comma-separated HOST or HOST:PORT; unset: the system resolver (env POSTROOM_DNS).'),
      timeoutMs: positiveInt.default(3000).describe('How long one DNS query may take before it is tried again (env POSTROOM_DNS_TIMEOUT_MS).'),
    })
    .prefault({}),
  direct: z
    .object({
      mtaStsPort: positiveInt.default(443).describe('Port of the HTTPS server an MTA-STS policy is fetched from (RFC 8461 §3.3); changed only for tests (env POSTROOM_MTA_STS_PORT).'),
      mtaStsCa: z.string().optional().describe('Path of extra CA certificates (PEM) trusted for MTA-STS policy hosts and MX certificates; for tests (env POSTROOM_MTA_STS_CA).'),
      shapingFile: z.string().optional().describe('A shaping table read after the built-in rules/shaping.txt and the data directory\'s shaping.txt (env POSTROOM_SHAPING_FILE).'),
    })
    .prefault({}),
  smtp: z
    .object({
      tlsCert: z.string().optional().describe('PEM certificate (chain) the SMTP relay presents for STARTTLS and implicit TLS (env POSTROOM_SMTP_TLS_CERT). Needed for a relay listening beyond loopback and for --smtps.'),
      tlsKey: z.string().optional().describe('PEM private key of that certificate (env POSTROOM_SMTP_TLS_KEY).'),
      loopbackPlainAuth: z
        .union([z.boolean(), z.stringbool()])
        .default(true)
        .describe('Offer AUTH without TLS on a relay listener bound to loopback (127.0.0.0/8, ::1), where nothing crosses the network; any other listener offers AUTH only after TLS (env POSTROOM_SMTP_LOOPBACK_PLAIN_AUTH).'),
      maxMessageBytes: positiveInt.default(25 * 1024 * 1024).describe('Largest message the relay accepts (announced as SIZE); larger ones answer 552 (env POSTROOM_SMTP_MAX_MESSAGE_BYTES).'),
      maxRecipients: positiveInt.default(100).describe('Recipients per message; more answer 452 (env POSTROOM_SMTP_MAX_RECIPIENTS).'),
      maxConnectionsPerIp: positiveInt.default(20).describe('Relay connections open at once from one client IP (IPv6: one /64); more answer 421 (env POSTROOM_SMTP_MAX_CONNECTIONS_PER_IP).'),
      maxClients: positiveInt.default(500).describe('Relay connections open at once in all (env POSTROOM_SMTP_MAX_CLIENTS).'),
      authFailuresPerIp: positiveInt.default(5).describe('Failed AUTH attempts from one client IP within authFailureWindowMs after which AUTH answers 421 (env POSTROOM_SMTP_AUTH_FAILURES).'),
      authFailureWindowMs: positiveInt.default(15 * 60_000).describe('The window failed AUTH attempts are counted in (env POSTROOM_SMTP_AUTH_FAILURE_WINDOW_MS).'),
      idleTimeoutMs: positiveInt.default(60_000).describe('A relay client that sends nothing for this long is told 421 and disconnected (env POSTROOM_SMTP_IDLE_TIMEOUT_MS).'),
      sessionTimeoutMs: positiveInt.default(30 * 60_000).describe('Longest relay session, however busy; then 421 and disconnect, so a client trickling bytes cannot hold a connection for ever (env POSTROOM_SMTP_SESSION_TIMEOUT_MS).'),
    })
    .prefault({}),
  oauth: z
    .object({
      gmailAuthorizeUrl: z.string().url().default('https://accounts.google.com/o/oauth2/v2/auth').describe('Google\'s authorization endpoint (env POSTROOM_GMAIL_AUTHORIZE_URL).'),
      gmailTokenUrl: z.string().url().default('https://oauth2.googleapis.com/token').describe('Google\'s token endpoint (env POSTROOM_GMAIL_TOKEN_URL).'),
      microsoftAuthorizeUrl: z
        .string()
        .url()
        .default('https://login.microsoftonline.com/common/oauth2/v2.0/authorize')
        .describe('Microsoft identity platform authorization endpoint; replace `common` with a tenant id to limit it (env POSTROOM_MICROSOFT_AUTHORIZE_URL).'),
      microsoftTokenUrl: z
        .string()
        .url()
        .default('https://login.microsoftonline.com/common/oauth2/v2.0/token')
        .describe('Microsoft identity platform token endpoint (env POSTROOM_MICROSOFT_TOKEN_URL).'),
      publicUrl: z.string().url().optional().describe('The address people reach this Postroom at, for the OAuth redirect (…/api/v1/oauth/callback); default: the HTTP listener\'s (env POSTROOM_PUBLIC_URL).'),
    })
    .prefault({}),
});

export type Config = z.infer<typeof configSchema>;
export type WorkerConfig = Config['worker'];
export type RetryConfig = Config['retry'];
export type SmtpConfig = Config['smtp'];
