/**
 * Reading bounces and complaints from a mailbox, for installations that cannot open an inbound
 * SMTP port: pollMailbox reads once (IMAP in poll-imap.ts, POP3 in poll-pop3.ts);
 * startMailboxPoller repeats that every `intervalMs`, one poll at a time.
 *
 * Delivery to `handle` is at least once: a message leaves the mailbox only after its handle
 * resolved, and a connection lost in between hands it over again on the next poll.
 */
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../lib/clock.js';
import { DEFAULT_MAX_MESSAGES, type HandleMessage, type MailboxConfig, type PollOptions, type PollResult } from './mailbox-config.js';
import { MailboxError, mailboxError } from './mailbox-error.js';
import { pollImap } from './poll-imap.js';
import { pollPop3 } from './poll-pop3.js';

export type { HandleMessage, MailboxConfig, PollOptions, PollResult } from './mailbox-config.js';
export { MailboxError, type MailboxStep } from './mailbox-error.js';

/**
 * Hands each waiting message to `handle`, then deletes or moves it. A message whose handle
 * rejects stays for the next poll and is counted in `failed`. Rejects with a MailboxError when
 * the mailbox cannot be reached, secured, logged into or read.
 */
export function pollMailbox(config: MailboxConfig, handle: HandleMessage, options: PollOptions = {}): Promise<PollResult> {
  return config.protocol === 'imap' ? pollImap(config, handle, options) : pollPop3(config, handle, options);
}

/** How one poll of a running poller ended. */
export type PollOutcome = { ok: true; result: PollResult } | { ok: false; error: MailboxError };

export interface MailboxPollerOptions extends Omit<PollOptions, 'signal'> {
  intervalMs: number;
  log: Logger;
  onResult?: (outcome: PollOutcome) => void;
  clock?: Clock;
}

export function startMailboxPoller(config: MailboxConfig, handle: HandleMessage, options: MailboxPollerOptions): { stop(): Promise<void> } {
  const clock = options.clock ?? systemClock;
  const max = options.maxMessages ?? DEFAULT_MAX_MESSAGES;
  // Never the password: only what names the mailbox.
  const log = options.log.child({ component: 'mailbox-poller', protocol: config.protocol, server: `${config.host}:${config.port}`, user: config.username });
  const stopping = new AbortController();

  async function pollOnce(): Promise<PollOutcome> {
    try {
      const result = await pollMailbox(config, handle, { maxMessages: max, timeoutMs: options.timeoutMs, signal: stopping.signal });
      return { ok: true, result };
    } catch (error) {
      return { ok: false, error: error instanceof MailboxError ? error : mailboxError(config, 'fetch', error) };
    }
  }

  async function loop(): Promise<void> {
    while (!stopping.signal.aborted) {
      const outcome = await pollOnce();
      if (stopping.signal.aborted && !outcome.ok) break; // the stop closed the connection; not a failure
      report(outcome);
      // A full batch of processed messages means more may be waiting: poll again at once.
      if (outcome.ok && outcome.result.processed >= max) continue;
      await clock.sleep(options.intervalMs, stopping.signal);
    }
  }

  function report(outcome: PollOutcome): void {
    if (!outcome.ok) {
      const { step, code, response, message } = outcome.error;
      log.error({ step, code, response, error: message }, `mailbox poll failed at ${step}; trying again in ${options.intervalMs} ms`);
    } else if (outcome.result.failed > 0) {
      log.warn({ ...outcome.result }, 'some mailbox messages could not be handled; they stay for the next poll');
    } else if (outcome.result.processed > 0) {
      log.info({ processed: outcome.result.processed }, 'mailbox messages handled');
    }
    try {
      options.onResult?.(outcome);
    } catch (error) {
      log.error({ err: error }, 'onResult threw');
    }
  }

  const done = loop();
  return {
    async stop() {
      stopping.abort();
      await done;
    },
  };
}
