/**
 * Polling a POP3 maildrop (RFC 1939): greeting, STLS if asked (RFC 2595), USER/PASS, UIDL, then
 * RETR, handle and DELE one message at a time, and QUIT.
 *
 * DELE only marks a message; the server removes the marked ones when QUIT moves the session
 * into the UPDATE state (RFC 1939 §6). So DELE is sent only after a handle resolved, and a
 * connection lost before QUIT deletes nothing: those messages are handed over again next poll.
 * Message numbers are stable within a session (§5), UIDL ids (§7) across sessions; the ids
 * name the messages in errors.
 */
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { DEFAULT_MAX_MESSAGES, DEFAULT_TIMEOUT_MS, type HandleMessage, type MailboxConfig, type PollOptions, type PollResult } from './mailbox-config.js';
import { errorText, isTlsFailure, MailboxError, mailboxError, type MailboxStep } from './mailbox-error.js';
import { Pop3Refusal, Pop3Session } from './mailbox-pop3-session.js';

export async function pollPop3(config: MailboxConfig, handle: HandleMessage, options: PollOptions = {}): Promise<PollResult> {
  // A POP3 maildrop is one list of messages: no folder to read from or move to (RFC 1939 §1).
  if (config.afterProcessing !== 'delete') throw new MailboxError(config, 'config', 'POP3 has no folders to move messages to; set afterProcessing to "delete"');
  if (config.folder && config.folder !== 'INBOX') throw new MailboxError(config, 'config', `POP3 reads only the inbox, not "${config.folder}"; use IMAP for other folders`);
  const tls = tlsOptions(config);
  const session = await Pop3Session.open({ host: config.host, port: config.port, tls: config.security === 'tls' ? tls : null, timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS }).catch(
    (error: unknown) => Promise.reject(mailboxError(config, isTlsFailure(error) ? 'tls' : 'connect', error)),
  );
  const at = <T>(step: MailboxStep, run: () => Promise<T>): Promise<T> =>
    run().catch((error: unknown) => Promise.reject(mailboxError(config, step === 'tls' || !isTlsFailure(error) ? step : 'tls', error, error instanceof Pop3Refusal ? error.response : null)));
  let handling = false;
  // Stopping closes the connection at once (deleting nothing), unless a handle is running.
  const onAbort = (): void => void (handling || session.close());
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await at('connect', () => session.status());
    if (config.security === 'starttls') await at('tls', async () => (await session.command('STLS'), await session.startTls(tls)));
    await at('auth', async () => (await session.command('USER', config.username), await session.command('PASS', config.password)));
    const messages = await at('fetch', () => listMessages(session));
    const result: PollResult = { processed: 0, failed: 0, errors: [] };
    for (const { number, id } of messages.slice(0, options.maxMessages ?? DEFAULT_MAX_MESSAGES)) {
      if (options.signal?.aborted) break;
      const raw = await at('fetch', async () => (await session.command('RETR', number), await session.multiline()));
      handling = true;
      try {
        await handle(raw);
      } catch (error) {
        result.failed++;
        result.errors.push(`UIDL ${id}: ${errorText(error)}`);
        continue;
      } finally {
        handling = false;
      }
      await at('delete', () => session.command('DELE', number));
      result.processed++;
    }
    await at('delete', () => session.command('QUIT'));
    return result;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    session.close();
  }
}

/** UIDL is optional (RFC 1939 §7); without it, LIST gives the numbers and they name the messages. */
async function listMessages(session: Pop3Session): Promise<{ number: number; id: string }[]> {
  let unique = true;
  await session.command('UIDL').catch(async (error: unknown) => {
    if (!(error instanceof Pop3Refusal)) throw error;
    unique = false;
    await session.command('LIST');
  });
  const lines = (await session.multiline()).toString('latin1').split('\r\n').filter(Boolean);
  return lines.map((line) => {
    const [number = '', id = ''] = line.trim().split(/\s+/);
    return { number: Number(number), id: unique ? id : `#${number}` };
  });
}

function tlsOptions(config: MailboxConfig): ConnectionOptions {
  return {
    rejectUnauthorized: config.tlsVerify,
    ...(config.tlsCa ? { ca: config.tlsCa } : {}),
    // RFC 6066 allows no IP address as SNI; node then checks the certificate against `host`.
    ...(isIP(config.host) ? { host: config.host } : { servername: config.host }),
  };
}
