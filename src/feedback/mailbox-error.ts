/**
 * A poll that could not talk to its mailbox fails with a MailboxError naming the step, the
 * server and the server's own answer, e.g.
 * `imap 127.0.0.1:993: connect: connect ECONNREFUSED 127.0.0.1:993`,
 * `pop3 mail.example.com:110: auth: -ERR [AUTH] Authentication failed.`
 * The password never appears in it, even when a server echoes it back.
 */
import type { MailboxConfig } from './mailbox-config.js';

/** config: a setting the protocol cannot honour; fetch: listing or reading messages. */
export type MailboxStep = 'config' | 'connect' | 'tls' | 'auth' | 'fetch' | 'move' | 'delete';

export class MailboxError extends Error {
  /** e.g. MAILBOX_AUTH, for matching without parsing the message. */
  readonly code: string;
  readonly step: MailboxStep;
  readonly server: string;
  /** The server's answer that failed the step, when there was one. */
  readonly response: string | null;

  constructor(config: MailboxConfig, step: MailboxStep, detail: string, options: { response?: string | null; cause?: unknown } = {}) {
    const server = `${config.host}:${config.port}`;
    super(redact(`${config.protocol} ${server}: ${step}: ${detail}`, config.password), { cause: options.cause });
    this.name = 'MailboxError';
    this.code = `MAILBOX_${step.toUpperCase()}`;
    this.step = step;
    this.server = server;
    this.response = options.response == null ? null : redact(options.response, config.password);
  }
}

/** Wraps `error` as a failure of `step`, unless it already is a MailboxError. */
export function mailboxError(config: MailboxConfig, step: MailboxStep, error: unknown, response?: string | null): MailboxError {
  if (error instanceof MailboxError) return error;
  let detail = errorText(error);
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^[A-Z][A-Z0-9_]+$/.test(code) && !detail.includes(code)) detail += ` (${code})`;
  if (/wrong version number/.test(detail)) detail = `the server did not answer in TLS; does this port want "starttls" or "none"? (${code ?? 'EPROTO'})`;
  if (response && !detail.includes(response)) detail += `: ${response}`;
  return new MailboxError(config, step, detail, { response: response ?? null, cause: error });
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message || error.name : String(error);
}

/**
 * True for a failed TLS handshake or certificate check: Node's codes for them (ERR_TLS_*,
 * ERR_SSL_*, CERT_*, UNABLE_TO_*, *_SELF_SIGNED_*, EPROTO for TLS spoken to a cleartext port)
 * and imapflow's `tlsFailed`.
 */
export function isTlsFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code, tlsFailed } = error as Error & { code?: string; tlsFailed?: boolean };
  return tlsFailed === true || /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|EPROTO$)/.test(code ?? '');
}

function redact(text: string, secret: string): string {
  return secret ? text.split(secret).join('***') : text;
}
