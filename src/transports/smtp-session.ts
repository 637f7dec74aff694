/**
 * Opening one SMTP session: connect, greeting and EHLO, STARTTLS or implicit TLS as configured,
 * AUTH. Each failure is reported with the step that failed and the server's own answer, e.g.
 * `connect: ECONNREFUSED 127.0.0.1:2525`, `tls: self-signed certificate`,
 * `auth: 535 5.7.8 Authentication credentials invalid`.
 */
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { NodemailerError } from 'nodemailer/lib/errors';
import { parseSmtpAnswer, type SmtpAnswer } from '../lib/smtp-answer.js';
import type { OutgoingServer, ServerSecrets } from '../servers/server-record.js';
import type { SessionStage } from './transport.js';

export interface SessionOptions {
  /** Name sent with EHLO. */
  clientName: string;
  connectionTimeoutMs?: number;
  socketTimeoutMs?: number;
}

export interface SessionTrouble {
  stage: SessionStage;
  detail: string;
  answer: SmtpAnswer | null;
}

export type OpenResult = { ok: true; connection: SMTPConnection } | ({ ok: false } & SessionTrouble);

export function openSmtpSession(server: OutgoingServer, secrets: ServerSecrets, options: SessionOptions): Promise<OpenResult> {
  const connection = new SMTPConnection({
    host: server.host,
    port: server.port,
    secure: server.security === 'tls',
    requireTLS: server.security === 'starttls',
    ignoreTLS: server.security === 'none',
    name: options.clientName,
    connectionTimeout: options.connectionTimeoutMs ?? 30_000,
    greetingTimeout: options.connectionTimeoutMs ?? 30_000,
    socketTimeout: options.socketTimeoutMs ?? 120_000,
    logger: false,
    tls: {
      rejectUnauthorized: server.tlsVerify,
      ...(server.tlsCa ? { ca: server.tlsCa } : {}),
      ...(server.auth === 'certificate' && secrets.certificate && secrets.privateKey ? { cert: secrets.certificate, key: secrets.privateKey } : {}),
    },
  });
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: OpenResult): void => {
      if (settled) return;
      settled = true;
      connection.removeListener('error', onError);
      if (result.ok) return resolve(result);
      const closed = socketClosed(connection);
      connection.close();
      void closed.then(() => resolve(result));
    };
    const onError = (error: NodemailerError): void => finish({ ok: false, ...describeOpenError(error, server) });
    connection.on('error', onError);
    connection.connect((error) => {
      if (error) return onError(error);
      // Keep later socket errors from crashing the process; the send callback reports them.
      connection.on('error', () => undefined);
      if (server.auth !== 'password') return finish({ ok: true, connection });
      connection.login({ user: server.username ?? '', pass: secrets.password ?? '' }, (loginError) => {
        if (loginError) return onError(Object.assign(loginError, { code: 'EAUTH' }));
        finish({ ok: true, connection });
      });
    });
  });
}

const TLS_CODES = /CERT|SELF_SIGNED|SSL|TLS|ERR_TLS|UNABLE_TO_VERIFY|HOSTNAME|ALTNAME|EPROTO/;

function describeOpenError(error: NodemailerError, server: OutgoingServer): SessionTrouble {
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
