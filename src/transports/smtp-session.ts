/**
 * Opening one SMTP session: connect, greeting and EHLO, STARTTLS or implicit TLS as configured,
 * AUTH. Each failure is reported with the step that failed and the server's own answer, e.g.
 * `connect: ECONNREFUSED 127.0.0.1:2525`, `tls: self-signed certificate`,
 * `auth: 535 5.7.8 Authentication credentials invalid`.
 */
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import XOAuth2 from 'nodemailer/lib/xoauth2';
import type { NodemailerError } from 'nodemailer/lib/errors';
import { parseSmtpAnswer, type SmtpAnswer } from '../lib/smtp-answer.js';
import type { OutgoingServer, ServerSecrets } from '../servers/server-record.js';
import type { SessionStage } from './transport.js';

export interface SessionOptions {
  /** Name sent with EHLO. */
  clientName: string;
  connectionTimeoutMs?: number;
  socketTimeoutMs?: number;
  /**
   * `auth: oauth2`: the account's OAuth 2.0 access token for XOAUTH2; `force` once the server has
   * refused the last one. Without it an oauth2 server is opened without AUTH (Test Connection).
   */
  accessToken?: (force: boolean) => Promise<SessionToken>;
}

/** An access token, or why there is none; `rest`: nothing can go until then (a revoked grant). */
export type SessionToken =
  | { ok: true; token: string }
  | { ok: false; detail: string; rest: { until: number; reason: string } | null };

export interface SessionTrouble {
  stage: SessionStage;
  detail: string;
  answer: SmtpAnswer | null;
}

/** `rest`: the session could not authenticate and no message may go until then (a revoked grant). */
export type OpenResult = { ok: true; connection: SMTPConnection } | ({ ok: false; rest?: { until: number; reason: string } } & SessionTrouble);

/**
 * Where a session goes: a configured server, or (direct delivery) one MX host's address.
 * `opportunistic` uses STARTTLS when the server offers it and goes on in clear text when not
 * (RFC 3207 as MTAs practise it); `servername` is the name a certificate is checked against when
 * `host` is an IP address; `localAddress` the source address to send from.
 */
export type SessionTarget = Pick<OutgoingServer, 'host' | 'port' | 'auth' | 'username' | 'tlsVerify' | 'tlsCa'> & {
  security: OutgoingServer['security'] | 'opportunistic';
  /** The address XOAUTH2 authenticates as (Gmail / Microsoft). */
  account?: string | null;
  servername?: string;
  localAddress?: string;
};

export async function openSmtpSession(server: SessionTarget, secrets: ServerSecrets, options: SessionOptions): Promise<OpenResult> {
  const first = await openOnce(server, secrets, options, false);
  // The server refused the access token (revoked early, or the clock was off): one more session
  // with a freshly refreshed token. The refused session is closed first, so it never counts twice.
  if (first.tokenRefused) return (await openOnce(server, secrets, options, true)).opened;
  return first.opened;
}

function openOnce(server: SessionTarget, secrets: ServerSecrets, options: SessionOptions, forceToken: boolean): Promise<{ opened: OpenResult; tokenRefused: boolean }> {
  const connection = new SMTPConnection({
    host: server.host,
    port: server.port,
    secure: server.security === 'tls',
    requireTLS: server.security === 'starttls',
    ignoreTLS: server.security === 'none',
    opportunisticTLS: server.security === 'opportunistic',
    ...(server.localAddress ? { localAddress: server.localAddress } : {}),
    name: options.clientName,
    connectionTimeout: options.connectionTimeoutMs ?? 30_000,
    greetingTimeout: options.connectionTimeoutMs ?? 30_000,
    socketTimeout: options.socketTimeoutMs ?? 120_000,
    logger: false,
    tls: {
      rejectUnauthorized: server.tlsVerify,
      ...(server.servername ? { servername: server.servername } : {}),
      ...(server.tlsCa ? { ca: server.tlsCa } : {}),
      ...(server.auth === 'certificate' && secrets.certificate && secrets.privateKey ? { cert: secrets.certificate, key: secrets.privateKey } : {}),
    },
  });
  return new Promise((resolve) => {
    let settled = false;
    let tokenRefused = false;
    const finish = (result: OpenResult): void => {
      if (settled) return;
      settled = true;
      connection.removeListener('error', onError);
      if (result.ok) return resolve({ opened: result, tokenRefused: false });
      const closed = socketClosed(connection);
      connection.close();
      void closed.then(() => resolve({ opened: result, tokenRefused }));
    };
    const onError = (error: NodemailerError): void => finish({ ok: false, ...describeOpenError(error, server) });
    connection.on('error', onError);
    connection.connect((error) => {
      if (error) return onError(error);
      // Keep later socket errors from crashing the process; the send callback reports them.
      connection.on('error', () => undefined);
      if (server.auth === 'oauth2' && options.accessToken) {
        const token = tokenLogin(server.account ?? server.username ?? '', options.accessToken, forceToken);
        connection.login(token.auth, (loginError) => {
          if (!loginError) return finish({ ok: true, connection });
          const trouble = token.trouble();
          if (trouble) return finish({ ok: false, stage: 'auth', detail: trouble.detail, answer: null, ...(trouble.rest ? { rest: trouble.rest } : {}) });
          tokenRefused = !token.renewed() && refusesToken(loginError);
          onError(Object.assign(loginError, { code: 'EAUTH' }));
        });
        return;
      }
      if (server.auth !== 'password') return finish({ ok: true, connection });
      connection.login({ user: server.username ?? '', pass: secrets.password ?? '' }, (loginError) => {
        if (loginError) return onError(Object.assign(loginError, { code: 'EAUTH' }));
        finish({ ok: true, connection });
      });
    });
  });
}

/**
 * XOAUTH2 (Google's and Microsoft's SASL mechanism: `user=…^Aauth=Bearer …^A^A`) through
 * nodemailer's token hook. When the server answers a bad token with the mechanism's error
 * challenge (a 334 with a JSON status, as Gmail does), nodemailer asks again with `renew` and
 * tries once more on the same session; `renewed` tells that this happened.
 */
function tokenLogin(user: string, accessToken: NonNullable<SessionOptions['accessToken']>, force: boolean) {
  let trouble: Extract<SessionToken, { ok: false }> | null = null;
  let renewed = force;
  const oauth2 = new XOAuth2(
    {
      user,
      provisionCallback: (_user, renew, done) => {
        if (renew) renewed = true;
        accessToken(force || renew).then(
          (answer) => {
            if (answer.ok) return done(null, answer.token);
            trouble = answer;
            done(new Error(answer.detail));
          },
          (error: unknown) => {
            trouble = { ok: false, detail: `no access token: ${error instanceof Error ? error.message : String(error)}`, rest: null };
            done(error instanceof Error ? error : new Error(String(error)));
          },
        );
      },
    },
    false,
  );
  return { auth: { type: 'OAuth2', user, oauth2 }, trouble: () => trouble, renewed: () => renewed };
}

/** A refused token: 535 (RFC 4954 §6), or a 4.7.x other than a 421 that ends the session. */
function refusesToken(error: NodemailerError): boolean {
  if (error.responseCode === 535) return true;
  const answer = error.response ? parseSmtpAnswer(error.response, error.responseCode ?? 0) : null;
  return !!answer && answer.code !== 421 && /^4\.7\.\d+$/.test(answer.enhanced ?? '');
}

const TLS_CODES = /CERT|SELF_SIGNED|SSL|TLS|ERR_TLS|UNABLE_TO_VERIFY|HOSTNAME|ALTNAME|EPROTO/;

function describeOpenError(error: NodemailerError, server: SessionTarget): SessionTrouble {
  const answer = error.response ? parseSmtpAnswer(error.response, error.responseCode ?? 0) : null;
  const original = error.originalCode ?? '';
  const message = error.message.replace(/^(connect|getaddrinfo|read|write)\s+/, '');
  if (error.code === 'EAUTH' || error.code === 'ENOAUTH') {
    return { stage: 'auth', detail: answer ? `${error.responseCode} ${stripCode(error.response ?? '')}` : message, answer };
  }
  if (error.code === 'ETLS' || TLS_CODES.test(original) || /certificate|tls|ssl/i.test(error.message)) {
    // OpenSSL's alerts carry a short `reason` ("tlsv13 alert certificate required") beside a long message.
    const reason = (error as { reason?: unknown }).reason;
    const text = typeof reason === 'string' && reason ? reason : message.trim();
    return { stage: 'tls', detail: answer ? `${error.responseCode} ${stripCode(error.response ?? '')}` : text, answer };
  }
  if (answer) return { stage: 'greeting', detail: `${answer.code} ${stripCode(error.response ?? '')}`, answer };
  if (error.code === 'ETIMEDOUT') return { stage: 'connect', detail: `timed out connecting to ${server.host}:${server.port}`, answer: null };
  const errno = /^E[A-Z]+$/.test(original) ? original : error.code;
  if (errno && /ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|ECONNRESET/.test(errno)) {
    return { stage: 'connect', detail: `${errno} ${server.host}:${server.port}`, answer: null };
  }
  return { stage: 'connect', detail: message, answer: null };
}

function stripCode(response: string): string {
  return response.trim().replace(/^\d{3}[ -]/, '').replace(/\r?\n\d{3}[ -]/g, ' ');
}

/**
 * Resolves once the session's socket has fully closed: only then has the server seen the session
 * end, so only then may its slot go to a new session.
 */
export function socketClosed(connection: SMTPConnection): Promise<void> {
  const socket = connection._socket;
  if (!socket || socket.closed) return Promise.resolve();
  return new Promise((resolve) => {
    const safety = setTimeout(resolve, 30_000);
    safety.unref();
    socket.once('close', () => {
      clearTimeout(safety);
      resolve();
    });
  });
}
