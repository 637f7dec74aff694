/**
 * The SMTP relay for applications (`postroom serve --smtp HOST:PORT`, `--smtps HOST:PORT`):
 * authenticated submission into the spool, after which a message takes the same way as API mail
 * (routing, lanes, limits, DKIM signing). Built on smtp-server; the phases of a session are:
 *
 *   connect   per-IP connection limit, session time limit armed
 *   AUTH      PLAIN or LOGIN, only after TLS unless the listener is loopback and configured so;
 *             failures counted per IP, 421 past the limit, one answer for every failure
 *   MAIL      530 without AUTH (never an open relay); 553 5.7.1 for a sender the credential may
 *             not use; SIZE over the limit 552
 *   RCPT      452 past the recipient limit; address tricks refused (percent hack, bang paths)
 *   DATA      smuggling and From checks (read-submission.ts); 250 only once committed, 451
 *             when the spool could not store it
 *
 * Every answer that ends a transaction is logged with the client IP, the credential and the
 * message id; an accepted message's `queued` event says the same.
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { SMTPServerAddress, SMTPServerAuthentication, SMTPServerOptions, SMTPServerSession } from 'smtp-server';
import type { SmtpConfig } from '../config/index.js';
import type { Clock } from '../lib/clock.js';
import { InputError } from '../lib/input-error.js';
import { isLoopbackHost } from '../lib/loopback.js';
import type { Store } from '../store/index.js';
import { isValidAddress, openSpoolIntake, type MessageTracker, type SpoolIntake } from '../spool/index.js';
import { FilterMatch, matchFromFilter } from '../servers/from-filter.js';
import { createSmtpAuthenticator, credentialActive, type SmtpLogin } from '../users/smtp-credentials.js';
import { ClientLimits } from './client-limits.js';
import { GuardedSmtpServer } from './guarded-smtp-server.js';
import { readSubmission } from './read-submission.js';
import { noteRelayAnswer, noteRelaySessionClosed, noteRelaySessionOpened } from '../ops/telemetry.js';
import { trackSubmission } from './track-submission.js';
import { addressForLog } from '../app/create-logger.js';

export interface RelayListen {
  host: string;
  port: number;
  /** `starttls`: plain, upgraded by STARTTLS (port 587 style); `tls`: TLS from the first byte (465). */
  security: 'starttls' | 'tls';
}

export interface RelayContext {
  store: Store;
  clock: Clock;
  log: Logger;
  config: { smtp: SmtpConfig; retry: { lifetimeMs: number } };
}

export interface RelayServer {
  /** Bound ports, in the order of the listeners. */
  ports: number[];
  /**
   * Stops listening and ends every session with 421 4.3.2: at once between transactions, after
   * its answer for one in a transaction (so a message being committed is still answered 250),
   * and for any left after `graceMs` (default 5 s). Resolves once every session is closed and
   * every accepted message is committed.
   */
  close(graceMs?: number): Promise<void>;
}

const smtpError = (code: number, message: string): Error => Object.assign(new Error(message), { responseCode: code });

export interface RelayOptions {
  /** The way into the spool, shared with the HTTP API in `serve`; without it the relay opens (and closes) its own. */
  intake?: SpoolIntake;
  /** Without `intake`: the tracking its own intake adds to messages that ask for it (none without it). */
  tracker?: MessageTracker;
}

export async function startRelayServer(ctx: RelayContext, listeners: RelayListen[], options: RelayOptions = {}): Promise<RelayServer> {
  const settings = ctx.config.smtp;
  const log = ctx.log.child({ component: 'smtp' });
  const tls = readTls(settings, listeners);
  const intake = options.intake ?? openSpoolIntake({ ...ctx, tracker: options.tracker });
  const enqueuer = intake.enqueuer;
  const finish = (): Promise<void> => (options.intake ? enqueuer.drain() : intake.close());
  const limits = new ClientLimits(settings, ctx.clock);
  const authenticate = createSmtpAuthenticator(ctx.store, ctx.clock);
  const servers: GuardedSmtpServer[] = [];
  try {
    for (const listen of listeners) servers.push(await listenOn(listen));
  } catch (error) {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    await finish();
    throw error;
  }

  async function listenOn(listen: RelayListen): Promise<GuardedSmtpServer> {
    const loopback = isLoopbackHost(listen.host);
    const plainAuth = loopback && settings.loopbackPlainAuth;
    const server: GuardedSmtpServer = new GuardedSmtpServer({
      ...handlers(() => server, listen),
      banner: 'Postroom SMTP relay: authenticated submission only',
      secure: listen.security === 'tls',
      ...(tls ? { key: tls.key, cert: tls.cert } : { hideSTARTTLS: true, disabledCommands: ['STARTTLS'] }),
      authMethods: ['PLAIN', 'LOGIN'],
      allowInsecureAuth: plainAuth,
      authRequiredMessage: 'Authentication required',
      // RFC 3463 codes on every answer (smtp-server leaves them out unless asked).
      hideENHANCEDSTATUSCODES: false,
      size: settings.maxMessageBytes,
      maxRecipients: settings.maxRecipients,
      maxClients: settings.maxClients,
      socketTimeout: settings.idleTimeoutMs,
      closeTimeout: 5_000,
      useXClient: false,
      useXForward: false,
      disableReverseLookup: true,
      logger: false,
    } as SMTPServerOptions);
    server.on('error', (error) => log.debug({ err: error }, 'relay connection error'));
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      server.once('error', onError);
      server.listen(listen.port, listen.host, () => {
        server.off('error', onError);
        resolve();
      });
    });
    return server;
  }

  function handlers(server: () => GuardedSmtpServer, listen: RelayListen): Partial<SMTPServerOptions> {
    const counted = new Set<string>();
    const sessionTimers = new Map<string, NodeJS.Timeout>();
    const loginOf = (session: SMTPServerSession): SmtpLogin | null => (session.user as SmtpLogin | undefined) ?? null;
    const who = (session: SMTPServerSession) => ({ client: session.remoteAddress, credential: loginOf(session)?.username ?? null, listener: `${listen.host}:${listen.port}` });

    return {
      onConnect(session, callback) {
        if (!limits.connect(session.remoteAddress)) {
          log.warn({ client: session.remoteAddress }, 'relay connection refused: too many from this client');
          return callback(smtpError(421, `4.7.0 Too many connections from ${session.remoteAddress}; at most ${settings.maxConnectionsPerIp} at a time`));
        }
        counted.add(session.id);
        noteRelaySessionOpened();
        const timer = setTimeout(() => {
          log.info(who(session), 'relay session ended: time limit');
          server().disconnect(session.id, '4.4.2 Session time limit reached, closing connection');
        }, settings.sessionTimeoutMs);
        timer.unref();
        sessionTimers.set(session.id, timer);
        callback();
      },
      onClose(session) {
        if (counted.has(session.id)) noteRelaySessionClosed();
        if (counted.delete(session.id)) limits.disconnect(session.remoteAddress);
        clearTimeout(sessionTimers.get(session.id));
        sessionTimers.delete(session.id);
      },
      onAuth(auth: SMTPServerAuthentication, session, callback) {
        const blocked = limits.authBlockedUntil(session.remoteAddress);
        if (blocked !== null) {
          log.warn({ client: session.remoteAddress, until: new Date(blocked).toISOString() }, 'relay AUTH refused: too many failures from this client');
          return callback(smtpError(421, `4.7.0 Too many failed logins from ${session.remoteAddress}; try again after ${new Date(blocked).toISOString().slice(11, 16)} UTC`));
        }
        authenticate(auth.username ?? '', auth.password ?? '')
          .then((login) => {
            if (!login) {
              limits.authFailed(session.remoteAddress);
              log.warn({ client: session.remoteAddress, username: (auth.username ?? '').slice(0, 100), answer: '535 5.7.8' }, 'relay AUTH failed');
              return callback(smtpError(535, '5.7.8 Authentication credentials invalid'));
            }
            log.info({ client: session.remoteAddress, credential: login.username, user: login.user.email }, 'relay AUTH succeeded');
            callback(null, { user: login });
          })
          .catch((error: unknown) => {
            log.error({ err: error, client: session.remoteAddress }, 'could not check relay credentials; answered 454');
            callback(smtpError(454, '4.7.0 Temporary authentication failure, try again later'));
          });
      },
      onMailFrom(address: SMTPServerAddress, session, callback) {
        const login = loginOf(session);
        if (!login) return callback(smtpError(530, '5.7.0 Authentication required'));
        const refuse = (code: number, text: string): void => {
          log.info({ ...who(session), mailFrom: address.address, answer: `${code} ${text}` }, 'relay sender refused');
          callback(smtpError(code, text));
        };
        if (!address.address) return refuse(553, '5.7.1 Sender address rejected: a null sender (<>) cannot submit mail');
        if (!mayUse(login, address.address)) return refuse(553, `5.7.1 Sender address rejected: not allowed to send as ${address.address}`);
        credentialActive(ctx.store, login.credentialId)
          .then((active) => (active ? callback() : refuse(535, '5.7.8 Authentication credentials invalid: the credential was revoked')))
          .catch((error: unknown) => {
            log.error({ err: error }, 'could not check a relay credential; answered 451');
            callback(smtpError(451, '4.3.0 Temporary failure, try again later'));
          });
      },
      // (smtp-server answers MAIL, RCPT and DATA with 530 before these handlers while there is no AUTH.)
      onRcptTo(address: SMTPServerAddress, session, callback) {
        const problem = recipientProblem(address.address);
        if (problem) {
          log.info({ ...who(session), rcptTo: addressForLog(log, address.address), answer: '553 5.1.3' }, 'relay recipient refused');
          return callback(smtpError(553, `5.1.3 Recipient address rejected: ${problem}`));
        }
        callback();
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const login = loginOf(session);
          const answer = (code: number, text: string, messageId?: string): void => {
            noteRelayAnswer(code);
            log.info({ ...who(session), messageId, recipients: session.envelope.rcptTo.length, answer: `${code} ${text}` }, code < 300 ? 'relay message accepted' : 'relay message refused');
            callback(code < 300 ? null : smtpError(code, text), code < 300 ? text : undefined);
          };
          if (!login) return answer(530, '5.7.0 Authentication required');
          if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded) return answer(552, `5.3.4 Message too big: at most ${settings.maxMessageBytes} bytes`);
          const submission = { raw: Buffer.concat(chunks), mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', rcptTo: session.envelope.rcptTo.map((r) => r.address) };
          const detail = `submitted over SMTP by ${login.username} from ${session.remoteAddress}${session.secure ? ' over TLS' : ''}`;
          const read = readSubmission(
            {
              now: ctx.clock.now(),
              lifetimeMs: ctx.config.retry.lifetimeMs,
              userId: login.user.id,
              credentialId: login.credentialId,
              lane: login.lane,
              serverId: login.serverId,
              mayUse: (a) => mayUse(login, a),
              detail,
              track: login.track,
            },
            submission,
          );
          if (!read.ok) return answer(read.refusal.code, read.refusal.message);
          trackSubmission(read.message, read.track, intake.tracker, detail, log)
            .then((message) => enqueuer.enqueuePrepared({ rows: [message], options: { userId: login.user.id }, now: ctx.clock.now() }))
            .then(([id]) => answer(250, `2.0.0 Ok: queued as ${id}`, id))
            .catch((error: unknown) => {
              log.error({ err: error, ...who(session) }, 'could not store a relay message');
              answer(451, '4.3.0 Temporary failure: the message could not be stored; try again later');
            });
        });
      },
    };
  }

  const ports = servers.map((s) => ((s as unknown as { server: { address(): AddressInfo } }).server.address()).port);
  log.info({ listeners: listeners.map((l, i) => `${l.host}:${ports[i]} (${l.security})`) }, 'SMTP relay listening');
  return {
    ports,
    async close(graceMs = 5_000) {
      log.info({ graceMs }, 'SMTP relay shutting down: sessions told 421, transactions under way finish first');
      await Promise.all(servers.map((s) => s.shutdown(graceMs)));
      await finish();
    },
  };
}

/** Whether the credential may send as `address`: its allowed addresses and domains, never "anyone". */
function mayUse(login: SmtpLogin, address: string): boolean {
  return matchFromFilter(login.allowedFrom, address) > FilterMatch.Any;
}

/**
 * Why a recipient is refused, or null. Beyond a plain address: the percent hack (`a%b@host`) and
 * bang paths (`b!a@host`) ask the next host to relay on (RFC 2505 §2.6.1); domain literals and
 * quoted local parts are refused by isValidAddress.
 */
function recipientProblem(address: string): string | null {
  const local = address.slice(0, address.lastIndexOf('@'));
  if (/[%!]/.test(local)) return `${address}: "%" and "!" routing in the local part is not accepted`;
  if (!isValidAddress(address)) return `${address} is not a valid address`;
  return null;
}

function readTls(settings: SmtpConfig, listeners: RelayListen[]): { key: Buffer; cert: Buffer } | null {
  if (settings.tlsCert && settings.tlsKey) {
    try {
      return { cert: readFileSync(settings.tlsCert), key: readFileSync(settings.tlsKey) };
    } catch (error) {
      throw new InputError('smtp.tlsCert', `cannot read the relay's certificate or key: ${(error as Error).message}`);
    }
  }
  if (settings.tlsCert || settings.tlsKey) throw new InputError(settings.tlsCert ? 'smtp.tlsKey' : 'smtp.tlsCert', 'set both POSTROOM_SMTP_TLS_CERT and POSTROOM_SMTP_TLS_KEY');
  const implicit = listeners.find((l) => l.security === 'tls');
  if (implicit) throw new InputError('--smtps', 'implicit TLS needs a certificate: set POSTROOM_SMTP_TLS_CERT and POSTROOM_SMTP_TLS_KEY');
  const exposed = listeners.find((l) => !isLoopbackHost(l.host));
  if (exposed) throw new InputError('--smtp', `listening on ${exposed.host} beyond loopback needs TLS: set POSTROOM_SMTP_TLS_CERT and POSTROOM_SMTP_TLS_KEY`);
  return null;
}
