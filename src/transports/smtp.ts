/**
 * SMTP relay transport: sessions to one server, reused for many messages.
 *
 * "No more than N messages at a time" is held exactly: a session counts from the moment we
 * start connecting until its socket has closed, so a replacement is never opened while the old
 * session is still saying goodbye. Callers beyond N wait for a session to come free.
 */
import type SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { NodemailerError } from 'nodemailer/lib/errors';
import { parseSmtpAnswer } from '../lib/smtp-answer.js';
import type { ServerSecrets } from '../servers/server-record.js';
import { openSmtpSession, socketClosed, type SessionOptions, type SessionTarget } from './smtp-session.js';
import type { Envelope, SendResult, Transport } from './transport.js';

/** Permission to open one more session, from a limit shared with other workers; the function gives it back. */
export type TakePermit = () => Promise<(() => void) | null>;

export interface SmtpTransportOptions extends SessionOptions {
  maxSessions: number;
  /** Cluster-wide session slots; without it only this process's sessions are counted. */
  takePermit?: TakePermit;
  /** Messages per session before it is closed and a fresh one opened. */
  maxMessagesPerSession?: number;
  /** Age after which a session is not reused (Postfix's connection reuse time limit is 300 s). */
  maxSessionAgeMs?: number;
  /** Idle sessions are closed after this long. */
  idleMs?: number;
}

interface Session {
  connection: SMTPConnection;
  givePermit: () => void;
  openedAt: number;
  messages: number;
  idleTimer: NodeJS.Timeout | null;
  closed: Promise<void>;
}

export function createSmtpTransport(server: SessionTarget, secrets: ServerSecrets, options: SmtpTransportOptions): Transport {
  const maxMessages = options.maxMessagesPerSession ?? 1000;
  const maxAgeMs = options.maxSessionAgeMs ?? 300_000;
  const idleMs = options.idleMs ?? 5_000;
  const idle: Session[] = [];
  const waiters: Array<() => void> = [];
  const closing = new Set<Promise<void>>();
  let open = 0;
  let shuttingDown = false;

  const wake = (): void => waiters.shift()?.();
  const waitForWake = (timeoutMs?: number): Promise<void> =>
    new Promise<void>((resolve) => {
      const waiter = (): void => {
        if (timer) clearTimeout(timer);
        resolve();
      };
      const timer = timeoutMs
        ? setTimeout(() => {
            const index = waiters.indexOf(waiter);
            if (index >= 0) waiters.splice(index, 1);
            resolve();
          }, timeoutMs)
        : null;
      waiters.push(waiter);
    });

  async function acquire(): Promise<Session | SendResult> {
    for (;;) {
      const session = idle.pop();
      if (session) {
        if (session.idleTimer) clearTimeout(session.idleTimer);
        session.idleTimer = null;
        return session;
      }
      if (open < options.maxSessions) {
        open += 1;
        let givePermit: (() => void) | null;
        try {
          givePermit = options.takePermit ? await options.takePermit() : () => undefined;
        } catch (error) {
          open -= 1;
          wake();
          throw error;
        }
        if (!givePermit) {
          // Other workers hold every slot of this server: wait for one of ours, or look again soon.
          open -= 1;
          await waitForWake(200);
          continue;
        }
        const opened = await openSmtpSession(server, secrets, options);
        if (!opened.ok) {
          // openSmtpSession resolves a failure only once the socket has closed.
          givePermit();
          open -= 1;
          wake();
          // A revoked grant: nothing was tried on the message's behalf, so it waits without spending an attempt.
          if (opened.rest) return { kind: 'throttled', until: opened.rest.until, reason: opened.rest.reason };
          return { kind: 'trouble', stage: opened.stage, detail: opened.detail, answer: opened.answer };
        }
        return track(opened.connection, givePermit);
      }
      await waitForWake();
    }
  }

  function track(connection: SMTPConnection, givePermit: () => void): Session {
    const session: Session = { connection, givePermit, openedAt: Date.now(), messages: 0, idleTimer: null, closed: Promise.resolve() };
    session.closed = socketClosed(connection).then(() => {
      // Also when the server ends an idle session by itself: it must not be handed out again.
      const index = idle.indexOf(session);
      if (index >= 0) idle.splice(index, 1);
      if (session.idleTimer) clearTimeout(session.idleTimer);
      session.givePermit();
      open -= 1;
      wake();
    });
    return session;
  }

  function retire(session: Session, polite: boolean): void {
    const index = idle.indexOf(session);
    if (index >= 0) idle.splice(index, 1);
    if (session.idleTimer) clearTimeout(session.idleTimer);
    closing.add(session.closed);
    void session.closed.then(() => closing.delete(session.closed));
    if (polite) session.connection.quit();
    else session.connection.close();
  }

  function release(session: Session): void {
    if (shuttingDown || session.messages >= maxMessages || Date.now() - session.openedAt >= maxAgeMs) return retire(session, true);
    session.idleTimer = setTimeout(() => retire(session, true), idleMs);
    session.idleTimer.unref();
    idle.push(session);
    wake();
  }

  async function send(envelope: Envelope, raw: Buffer): Promise<SendResult> {
    for (let tries = 0; ; tries++) {
      const acquired = await acquire();
      if (!('connection' in acquired)) return acquired;
      const session = acquired;
      const reused = session.messages > 0;
      const outcome = await sendOn(session.connection, envelope, raw);
      session.messages += 1;
      if (outcome.kind === 'answered') {
        // After a refused MAIL, RCPT or DATA the session is still in step: RSET and keep it.
        if (outcome.sessionUsable || (await resetSession(session.connection))) release(session);
        else retire(session, false);
        return { kind: 'answered', recipients: outcome.recipients };
      }
      retire(session, false);
      // A reused session the server closed while it sat idle: nothing was sent, try a fresh one once.
      if (reused && tries === 0 && outcome.beforeData && !outcome.result.answer) continue;
      return outcome.result;
    }
  }

  return {
    send,
    sessionsInUse: () => open,
    async close() {
      shuttingDown = true;
      for (const session of [...idle]) retire(session, true);
      await Promise.all([...closing]);
    },
  };
}

type SendOutcome =
  | { kind: 'answered'; recipients: Extract<SendResult, { kind: 'answered' }>['recipients']; sessionUsable: boolean }
  | { kind: 'trouble'; result: Extract<SendResult, { kind: 'trouble' }>; beforeData: boolean };

function sendOn(connection: SMTPConnection, envelope: Envelope, raw: Buffer): Promise<SendOutcome> {
  return new Promise((resolve) => {
    connection.send({ from: envelope.from, to: envelope.to, size: raw.length }, raw, (error, info) => {
      if (!error) {
        const final = parseSmtpAnswer(info.response);
        const rejected = new Map((info.rejectedErrors ?? []).map((e) => [e.recipient ?? '', e]));
        resolve({
          kind: 'answered',
          sessionUsable: true,
          recipients: envelope.to.map((address) => {
            const refusal = rejected.get(address);
            return refusal
              ? { address, accepted: false, answer: answerOf(refusal), stage: 'rcpt' as const }
              : { address, accepted: true, answer: final };
          }),
        });
        return;
      }
      resolve(describeSendError(error, envelope));
    });
  });
}

function answerOf(error: NodemailerError) {
  return error.response ? parseSmtpAnswer(error.response, error.responseCode ?? 0) : null;
}

/** Turns nodemailer's error into who was refused with which answer, or into session trouble. */
function describeSendError(error: NodemailerError, envelope: Envelope): SendOutcome {
  const answer = answerOf(error);
  const command = (error.command ?? '').toUpperCase();
  // nodemailer names the command in flight; `CONN` means the connection itself failed.
  const stage = command.startsWith('MAIL') ? 'mail' : command.startsWith('RCPT') ? 'rcpt' : command && command !== 'CONN' ? 'data' : 'session';
  // A 421 closes the session (RFC 5321 §3.8): report it as trouble so the server backs off.
  if (answer && answer.code !== 421 && (error.code === 'EENVELOPE' || error.code === 'EMESSAGE')) {
    const perRecipient = new Map((error.rejectedErrors ?? []).map((e) => [e.recipient ?? '', e]));
    return {
      kind: 'answered',
      sessionUsable: false,
      recipients: envelope.to.map((address) => {
        const own = perRecipient.get(address);
        return own ? { address, accepted: false, answer: answerOf(own), stage: 'rcpt' as const } : { address, accepted: false, answer, stage: stage === 'mail' || stage === 'rcpt' ? stage : ('data' as const) };
      }),
    };
  }
  const detail = answer ? `${answer.code} ${answer.enhanced ?? ''} ${answer.text}`.replace(/\s+/g, ' ').trim() : error.message;
  return {
    kind: 'trouble',
    beforeData: stage === 'mail' || stage === 'session',
    result: { kind: 'trouble', stage, detail, answer },
  };
}

function resetSession(connection: SMTPConnection): Promise<boolean> {
  return new Promise((resolve) => connection.reset((error) => resolve(!error)));
}
