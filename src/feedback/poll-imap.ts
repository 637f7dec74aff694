/**
 * Polling one IMAP folder (RFC 9051; RFC 3501 servers too) with imapflow: log in, select the
 * folder, read each message's full source by UID, hand it over, and only then move that UID
 * (UID MOVE, RFC 6851; imapflow falls back to COPY + expunge) or delete it (\Deleted + UID
 * EXPUNGE, RFC 4315). A message whose handle rejects is left as it was (BODY.PEEK keeps it unseen).
 *
 * UIDs, not sequence numbers: every expunge renumbers the later messages (RFC 9051 §2.3.1.2),
 * a UID stays. One FETCH per message rather than one fetch() loop: imapflow cannot run the
 * MOVE while a fetch iterator is open on the same connection.
 */
import { ImapFlow, type ImapFlowOptions, type Logger } from 'imapflow';
import { isIP } from 'node:net';
import { DEFAULT_MAX_MESSAGES, DEFAULT_TIMEOUT_MS, type HandleMessage, type MailboxConfig, type PollOptions, type PollResult } from './mailbox-config.js';
import { errorText, isTlsFailure, MailboxError, mailboxError, type MailboxStep } from './mailbox-error.js';

export async function pollImap(config: MailboxConfig, handle: HandleMessage, options: PollOptions = {}): Promise<PollResult> {
  const folder = config.folder ?? 'INBOX';
  const moveTo = config.moveTo ?? 'Processed';
  // imapflow answers a failed MOVE, STORE, EXPUNGE or SEARCH with `false` and logs the server's
  // reply; this logger keeps that reply so the error can carry it.
  let lastWarning: string | null = null;
  const client = new ImapFlow(clientOptions(config, options.timeoutMs ?? DEFAULT_TIMEOUT_MS, (text) => (lastWarning = text)));
  // A lost connection is also emitted as 'error'; the pending command rejects with it anyway.
  client.on('error', () => undefined);
  const step = async <T>(name: MailboxStep, run: () => Promise<T | false | undefined>): Promise<T> => {
    lastWarning = null;
    const value = await run().catch((error: unknown) => Promise.reject(mailboxError(config, name, error, responseOf(error))));
    if (value === false || value === undefined) throw new MailboxError(config, name, lastWarning ?? 'the server refused the command', { response: lastWarning });
    return value;
  };
  let handling = false;
  // Stopping closes the connection at once, unless a handle is running: that message is finished first.
  const onAbort = (): void => void (handling || client.close());
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await client.connect().catch((error: unknown) => Promise.reject(connectError(config, error)));
    if (config.afterProcessing === 'move') await step('move', () => client.mailboxCreate(moveTo)); // an existing folder is fine (ALREADYEXISTS)
    const lock = await step('fetch', () => client.getMailboxLock(folder));
    try {
      const result: PollResult = { processed: 0, failed: 0, errors: [] };
      const exists = client.mailbox ? client.mailbox.exists : 0;
      const uids = exists === 0 ? [] : await step('fetch', () => client.search({ all: true }, { uid: true }));
      for (const uid of uids.sort((a, b) => a - b).slice(0, options.maxMessages ?? DEFAULT_MAX_MESSAGES)) {
        if (options.signal?.aborted) break;
        const message = await client.fetchOne(String(uid), { source: true }, { uid: true }).catch((error: unknown) => Promise.reject(mailboxError(config, 'fetch', error, responseOf(error))));
        if (!message || !message.source) continue; // expunged by another client meanwhile
        handling = true;
        try {
          await handle(message.source);
        } catch (error) {
          result.failed++;
          result.errors.push(`UID ${uid}: ${errorText(error)}`);
          continue;
        } finally {
          handling = false;
        }
        if (config.afterProcessing === 'move') await step('move', () => client.messageMove(String(uid), moveTo, { uid: true }));
        else await step('delete', () => client.messageDelete(String(uid), { uid: true }));
        result.processed++;
      }
      return result;
    } finally {
      lock.release();
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await client.logout().catch(() => client.close());
  }
}

function clientOptions(config: MailboxConfig, timeoutMs: number, warned: (text: string) => void): ImapFlowOptions {
  const quiet = (): void => undefined;
  const logger: Logger = { debug: quiet, info: quiet, error: quiet, warn: (entry: { err?: unknown }) => entry.err && warned(responseOf(entry.err) ?? errorText(entry.err)) };
  return {
    host: config.host,
    port: config.port,
    secure: config.security === 'tls',
    // true demands STARTTLS (RFC 9051 §6.2.1), false never tries it: no silent downgrade either way.
    doSTARTTLS: config.security === 'starttls' ? true : config.security === 'none' ? false : undefined,
    ...(isIP(config.host) ? {} : { servername: config.host }),
    tls: { rejectUnauthorized: config.tlsVerify, ...(config.tlsCa ? { ca: config.tlsCa } : {}) },
    auth: { user: config.username, pass: config.password },
    logger,
    disableAutoIdle: true,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  };
}

/** connect() covers TCP, TLS, the greeting, STARTTLS and LOGIN: the error says which failed. */
function connectError(config: MailboxConfig, error: unknown): MailboxError {
  const facts = error as { authenticationFailed?: boolean };
  if (facts.authenticationFailed) return new MailboxError(config, 'auth', responseOf(error) ?? 'authentication failed', { response: responseOf(error), cause: error });
  return mailboxError(config, isTlsFailure(error) ? 'tls' : 'connect', error, responseOf(error));
}

function responseOf(error: unknown): string | null {
  const { responseText, response } = (error ?? {}) as { responseText?: unknown; response?: unknown };
  if (typeof responseText === 'string' && responseText) return responseText;
  return typeof response === 'string' && response ? response : null;
}
