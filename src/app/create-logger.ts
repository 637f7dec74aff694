/**
 * Postroom's logger: pino, one JSON object per line on standard error — or, when standard error
 * is a terminal, the same lines made readable (pino-pretty, loaded only then). Whatever a log
 * line carries, fields that hold secrets are replaced before it is written, at any depth a
 * caller is likely to nest them (a server's settings, an OAuth grant, a request's headers).
 */
import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Logger } from 'pino';
import { domainOf } from '../spool/addresses.js';

export type LogFormat = 'auto' | 'json' | 'pretty';

const SECRET_FIELDS = ['password', 'pass', 'secret', 'clientSecret', 'client_secret', 'accessToken', 'access_token', 'refreshToken', 'refresh_token', 'apiKey', 'token', 'authorization', 'cookie', 'privateKey', 'private_key'];

/** The paths pino redacts: each secret field at the top and up to two levels down, and request headers. */
export const REDACTED_PATHS = [
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((f) => `*.${f}`),
  ...SECRET_FIELDS.map((f) => `*.*.${f}`),
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
];

export interface LoggerOptions {
  level: string;
  format?: LogFormat;
  /** Where lines go (default: standard error). */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const settings = { level: options.level, base: { pid: process.pid }, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
  const format = options.format ?? 'auto';
  const pretty = format === 'pretty' || (format === 'auto' && !options.destination && process.stderr.isTTY === true);
  if (!pretty) return pino(settings, options.destination ?? pino.destination(2));
  // Loaded only for a person at a terminal: scripts and services never pay for it.
  const prettyStream = createRequire(import.meta.url)('pino-pretty') as (o: Record<string, unknown>) => DestinationStream;
  return pino(settings, prettyStream({ destination: options.destination ?? 2, sync: true, colorize: process.stderr.isTTY === true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }));
}

/** A recipient's address as a log line may show it: its domain only, unless the level is debug or finer. */
export function addressForLog(log: Logger, address: string): string {
  return log.isLevelEnabled('debug') ? address : domainOf(address);
}
