/**
 * What a mailbox poll needs and what it reports. Postroom polls a mailbox for bounces and
 * complaints when it cannot receive them on an inbound SMTP port.
 */

export interface MailboxConfig {
  protocol: 'imap' | 'pop3';
  host: string;
  port: number;
  security: 'none' | 'starttls' | 'tls';
  tlsVerify: boolean;
  /** PEM of the CA to trust instead of the system's (a private or self-signed server). */
  tlsCa?: string | null;
  username: string;
  password: string;
  /** IMAP: the folder to read (default INBOX). */
  folder?: string;
  /** What happens to a message once its handle resolved. POP3 supports only delete. */
  afterProcessing: 'delete' | 'move';
  /** IMAP: where processed messages go (default "Processed", created if missing). */
  moveTo?: string;
}

/**
 * Handles one raw message (RFC 5322, CRLF line ends). Resolves once what it learned is
 * committed; only then is the message deleted or moved. A message may be handed over again
 * (a connection lost between commit and delete), so handling must be idempotent.
 */
export type HandleMessage = (raw: Buffer) => Promise<void>;

export interface PollOptions {
  /** Messages handled per poll, oldest first (default 100); the rest wait for the next poll. */
  maxMessages?: number;
  /** How long to wait for the server at any one step (default 30 s). */
  timeoutMs?: number;
  /** Stops the poll: the message being handled is finished, no further one is started. */
  signal?: AbortSignal;
}

export interface PollResult {
  /** Messages handled and then deleted or moved. */
  processed: number;
  /** Messages whose handle rejected; they stay in the mailbox for the next poll. */
  failed: number;
  /** One line per failed message: its id (UID or UIDL) and the handle's error. */
  errors: string[];
}

export const DEFAULT_MAX_MESSAGES = 100;
export const DEFAULT_TIMEOUT_MS = 30_000;
