/**
 * The one small interface every way of sending implements (an SMTP relay, direct delivery to MX
 * hosts, Gmail, Microsoft, the sandbox). A transport reports what the server said; deciding what
 * that means (deliver, defer, fail, back off) is the delivery worker's job.
 */
import type { SmtpAnswer } from '../lib/smtp-answer.js';
import type { ThrottleScope } from '../throttle/index.js';

export interface Envelope {
  from: string;
  to: string[];
}

export interface RecipientAnswer {
  address: string;
  accepted: boolean;
  /** The answer that decided this recipient: RCPT's when refused there, else the end of DATA. */
  answer: SmtpAnswer | null;
  /** The command that answer replied to, when the recipient was refused (a refusal after DATA reads differently). */
  stage?: 'mail' | 'rcpt' | 'data';
}

/** The step of a session: what Test Connection names when it fails, and where a send broke off. */
export type SessionStage = 'connect' | 'greeting' | 'tls' | 'auth' | 'mail' | 'rcpt' | 'data' | 'session';

export type SendResult =
  /** The server answered for every recipient (accepted, or refused at MAIL, RCPT or DATA). */
  | { kind: 'answered'; recipients: RecipientAnswer[]; destination?: string }
  /** No verdict on the message: the connection failed, was dropped, or the server cut the session short. */
  | { kind: 'trouble'; stage: SessionStage; detail: string; answer: SmtpAnswer | null; destination?: string }
  /**
   * Not sent, and not the message's fault: the destination is paused or over its rate, or the
   * account's grant was revoked. The message waits until then without spending an attempt.
   */
  | { kind: 'throttled'; until: number; reason: string; destination?: string };

/**
 * `destination` (direct delivery): the recipients' MX hosts rolled up under one name, e.g.
 * `gmail` for every domain whose mail Google receives; a rate-limit answer pauses or slows that
 * destination rather than the whole server.
 */

/** What a transport may want to know about the message besides its bytes. */
export interface SendMeta {
  messageId: string;
}

export interface Transport {
  send(envelope: Envelope, raw: Buffer, meta: SendMeta): Promise<SendResult>;
  /** Direct delivery: the throttle of one destination, as named in a SendResult. */
  destinationThrottle?(destination: string): ThrottleScope | undefined;
  /** Sessions open or opening right now (for "no more than N at a time"). */
  sessionsInUse(): number;
  /** Finishes open sessions politely (QUIT) and waits for them to close. */
  close(): Promise<void>;
}
