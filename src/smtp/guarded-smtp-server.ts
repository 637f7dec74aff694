/**
 * smtp-server with three things it does not do by itself, added to each connection it makes:
 *
 * - Command lines longer than RFC 5321's 512 octets (§4.5.3.1.4, CRLF included) answer
 *   `500 5.5.2 Line too long` and are not run. smtp-server's own limit (16 KB) closes the
 *   connection instead. AUTH exchanges may be longer (RFC 4954 §4: 12,288 octets).
 * - EHLO lists AUTH only where AUTH may be used: after TLS, or on a listener that allows it in
 *   clear text (smtp-server lists it everywhere).
 * - An answer whose text starts with an enhanced status code (`553 5.7.1 …`) keeps that code;
 *   smtp-server would otherwise put its default for the reply code in front of it.
 * - A graceful shutdown (`shutdown`): no new connections; a session between transactions is
 *   told `421 4.3.2` at once, one in the middle of a transaction finishes it (its DATA answered
 *   after the commit) and is told 421 right after; whoever is left when the grace ends, too.
 *
 * All hook the connection object smtp-server 3.21.6 creates (`_onCommand`, `send`,
 * `_resetSession`); the
 * relay's raw-socket tests pin the answers, so an upgrade that changes them fails there.
 */
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

/** RFC 5321 §4.5.3.1.4: 512 octets with the CRLF. */
export const MAX_COMMAND_LINE = 510;
/** RFC 4954 §4: an AUTH command or response line may be up to 12,288 octets. */
const MAX_AUTH_LINE = 12_288;

const ENHANCED = /^[245]\.\d{1,3}\.\d{1,3} /;

interface ConnectionInternals {
  session: { id: string; envelope?: { mailFrom: unknown } };
  _dataStream: unknown;
  _resetSession(): void;
  secure: boolean;
  _server: { options: { allowInsecureAuth?: boolean } };
  _onCommand(command: Buffer, callback: () => void): void;
  send(code: number, data?: string | string[], context?: string | false): void;
  _nextHandler: unknown;
}

interface ServerInternals {
  connections: Set<ConnectionInternals>;
  /** The listening socket (smtp-server's own close() would refuse every command, even RCPT in a transaction). */
  server: { close(callback: () => void): void };
  /** Sockets still in their TLS handshake: no session that could finish. */
  _pendingSockets: Set<{ destroy(): void }>;
}

const SHUTTING_DOWN = '4.3.2 Service shutting down; try again later';
/** Commands that belong to a transaction already begun, which a shutdown lets finish. */
const IN_TRANSACTION = /^(RCPT|DATA|BDAT)\b/i;

/** Whether a session is in the middle of a transaction (MAIL given, or its DATA being read or committed). */
const inTransaction = (connection: ConnectionInternals): boolean => !!connection.session.envelope?.mailFrom || !!connection._dataStream;

export class GuardedSmtpServer extends SMTPServer {
  private closing = false;

  constructor(options: SMTPServerOptions) {
    super(options);
  }

  override connect(socket: Socket | TLSSocket, socketOptions?: Parameters<SMTPServer['connect']>[1]): void {
    const connections = (this as unknown as ServerInternals).connections;
    const before = new Set(connections);
    super.connect(socket, socketOptions);
    for (const connection of connections) if (!before.has(connection)) guard(connection, () => this.closing);
  }

  /**
   * Stops listening and ends every session with 421: at once between transactions, after its
   * answer for one in a transaction, and for all that are left once `graceMs` has passed.
   * Resolves when every connection is closed.
   */
  shutdown(graceMs: number): Promise<void> {
    this.closing = true;
    const internals = this as unknown as ServerInternals;
    const closed = new Promise<void>((resolve) => internals.server.close(() => resolve()));
    internals._pendingSockets.forEach((socket) => socket.destroy());
    for (const connection of internals.connections) if (!inTransaction(connection)) connection.send(421, SHUTTING_DOWN);
    const graceEnds = setTimeout(() => {
      for (const connection of internals.connections) connection.send(421, SHUTTING_DOWN);
    }, graceMs);
    graceEnds.unref();
    return closed.finally(() => clearTimeout(graceEnds));
  }

  /** Tells one session `421 text` and closes it (a time limit ran out). */
  disconnect(sessionId: string, text: string): void {
    for (const connection of (this as unknown as ServerInternals).connections) {
      if (connection.session.id === sessionId) connection.send(421, text);
    }
  }
}

function guard(connection: ConnectionInternals, closing: () => boolean): void {
  const onCommand = connection._onCommand.bind(connection);
  const send = connection.send.bind(connection);
  const resetSession = connection._resetSession.bind(connection);
  // A transaction that was let finish during a shutdown: the session ends right after its answer.
  connection._resetSession = () => {
    resetSession();
    if (closing()) setImmediate(() => send(421, SHUTTING_DOWN, false));
  };
  connection.send = (code, data, context) => {
    if (typeof data === 'string' && ENHANCED.test(data)) return send(code, data, false);
    // smtp-server lists AUTH in EHLO even where it then answers AUTH with 538: not before TLS.
    if (Array.isArray(data) && !connection.secure && !connection._server.options.allowInsecureAuth) return send(code, data.filter((line) => !/^AUTH /.test(line)), context);
    return send(code, data, context);
  };
  connection._onCommand = (command, callback) => {
    const inAuth = !!connection._nextHandler || /^AUTH /i.test(command.subarray(0, 5).toString('latin1'));
    if (command.length > (inAuth ? MAX_AUTH_LINE : MAX_COMMAND_LINE)) {
      send(500, '5.5.2 Line too long: a command line may be at most 512 octets with its CRLF (RFC 5321 4.5.3.1.4)', false);
      setImmediate(callback);
      return;
    }
    const verb = command.subarray(0, 5).toString('latin1');
    if (closing() && !/^QUIT\b/i.test(verb) && !(inTransaction(connection) && IN_TRANSACTION.test(verb))) {
      send(421, SHUTTING_DOWN, false);
      setImmediate(callback);
      return;
    }
    onCommand(command, callback);
  };
}
