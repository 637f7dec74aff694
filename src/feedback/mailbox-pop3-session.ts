/**
 * One POP3 connection (RFC 1939) read line by line: status answers ("+OK …" / "-ERR …") and
 * multi-line answers that end with a line holding only "." and have dot-stuffing removed (§3).
 * STLS (RFC 2595 §4) replaces the socket with a TLS one on the same connection.
 *
 * Bytes stay bytes: a message's 8-bit content is never decoded. Lines may end in CRLF or, from
 * a sloppy server, bare LF; multi-line answers come back with CRLF line ends either way.
 */
import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls, type ConnectionOptions } from 'node:tls';

/** A "-ERR" answer; `response` is the server's text after "-ERR". */
export class Pop3Refusal extends Error {
  constructor(
    readonly command: string,
    readonly response: string,
  ) {
    super(`${command} answered -ERR ${response}`);
    this.name = 'Pop3Refusal';
  }
}

export interface Pop3Target {
  host: string;
  port: number;
  /** Implicit TLS from the first byte (port 995, RFC 8314) when set. */
  tls: ConnectionOptions | null;
  /** How long any one wait for the server may last. */
  timeoutMs: number;
}

export class Pop3Session {
  private buffered: Buffer = Buffer.alloc(0);
  private failure: Error | null = null;
  private wake: (() => void) | null = null;
  private readonly onData = (chunk: Buffer): void => {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    this.wake?.();
  };
  private readonly onError = (error: Error): void => {
    this.failure ??= error;
    this.wake?.();
  };
  private readonly onClose = (): void => this.onError(new Error('the server closed the connection'));

  private constructor(
    private socket: Socket,
    private readonly timeoutMs: number,
  ) {
    this.attach(socket);
  }

  static open(target: Pop3Target): Promise<Pop3Session> {
    return new Promise((resolve, reject) => {
      const socket = target.tls ? connectTls({ host: target.host, port: target.port, ...target.tls }) : connectTcp({ host: target.host, port: target.port });
      const timer = setTimeout(() => socket.destroy(new Error(`no connection within ${target.timeoutMs} ms`)), target.timeoutMs);
      socket.once('error', (error) => (clearTimeout(timer), reject(error)));
      socket.once(target.tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new Pop3Session(socket, target.timeoutMs));
      });
    });
  }

  /** Sends one command and returns the text after "+OK"; `name` alone is named in errors, never an argument. */
  async command(name: string, argument?: string | number): Promise<string> {
    this.socket.write(argument === undefined ? `${name}\r\n` : `${name} ${argument}\r\n`);
    return this.status(name);
  }

  /** Reads one status answer: the greeting, or the answer to the command just sent. */
  async status(name = 'greeting'): Promise<string> {
    const line = (await this.readLine()).toString('latin1');
    if (line.startsWith('+OK')) return line.slice(3).trim();
    if (line.startsWith('-ERR')) throw new Pop3Refusal(name, line.slice(4).trim());
    throw new Error(`${name}: the server answered neither +OK nor -ERR: ${line.slice(0, 200)}`);
  }

  /** The body of a multi-line answer (RETR, UIDL, LIST), dot-unstuffed, each line ending in CRLF. */
  async multiline(): Promise<Buffer> {
    const parts: Buffer[] = [];
    for (;;) {
      const line = await this.readLine();
      if (line.length === 1 && line[0] === 0x2e) return Buffer.concat(parts);
      // RFC 1939 §3: a line that begins with "." was sent with one more "." in front.
      parts.push(line[0] === 0x2e ? line.subarray(1) : line, CRLF);
    }
  }

  /** RFC 2595 §4: after "+OK" to STLS, the TLS handshake starts on the same connection. */
  async startTls(options: ConnectionOptions): Promise<void> {
    // Anything the server sent between its +OK and the handshake was not protected by TLS and
    // may have been injected; it must not be read as if it came over TLS.
    if (this.buffered.length > 0) throw new Error('the server sent data after +OK to STLS, before the TLS handshake');
    const plain = this.socket;
    this.detach(plain);
    plain.on('error', () => undefined); // the TLS socket on top reports it; unheard, it would crash the process
    const secure = connectTls({ socket: plain, ...options });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => secure.destroy(new Error(`no TLS handshake within ${this.timeoutMs} ms`)), this.timeoutMs);
      secure.once('error', (error) => (clearTimeout(timer), reject(error)));
      secure.once('secureConnect', () => (clearTimeout(timer), secure.removeAllListeners('error'), resolve()));
    });
    this.socket = secure;
    this.attach(secure);
  }

  close(): void {
    this.socket.destroy();
  }

  private async readLine(): Promise<Buffer> {
    for (;;) {
      const end = this.buffered.indexOf(0x0a);
      if (end >= 0) {
        const line = this.buffered.subarray(0, end > 0 && this.buffered[end - 1] === 0x0d ? end - 1 : end);
        this.buffered = this.buffered.subarray(end + 1);
        return line;
      }
      if (this.failure) throw this.failure;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => this.socket.destroy(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
        this.wake = () => (clearTimeout(timer), (this.wake = null), resolve());
      });
    }
  }

  private attach(socket: Socket): void {
    socket.setNoDelay(true);
    socket.on('data', this.onData).on('error', this.onError).on('close', this.onClose);
  }

  private detach(socket: Socket): void {
    socket.off('data', this.onData).off('error', this.onError).off('close', this.onClose);
  }
}

const CRLF = Buffer.from('\r\n');
