/**
 * A raw SMTP client for tests: writes exactly the bytes it is given and reads the server's
 * replies line by line, so a test can send what no well-behaved client would (bare LF, early
 * talk, commands pipelined across STARTTLS) and assert on the exact answers.
 */
import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls, type TLSSocket } from 'node:tls';

export interface SmtpTalk {
  /** Writes bytes as they are (add the CRLF yourself). */
  write(data: string | Buffer): void;
  /** The next complete reply (multi-line replies joined with \n). */
  reply(timeoutMs?: number): Promise<string>;
  /** Writes a command line (CRLF added) and returns its reply. */
  command(line: string): Promise<string>;
  /** STARTTLS, then the TLS handshake on the same socket. */
  startTls(ca: string): Promise<void>;
  /** Resolves when the server closed the connection. */
  closed(timeoutMs?: number): Promise<void>;
  /** Everything received so far that is not yet returned as a reply. */
  pending(): string;
  end(): void;
}

export async function smtpTalk(port: number, options: { tls?: { ca: string }; waitGreeting?: boolean } = {}): Promise<SmtpTalk> {
  let socket: Socket | TLSSocket = options.tls
    ? connectTls({ host: '127.0.0.1', port, ca: options.tls.ca, servername: 'localhost' })
    : connectTcp({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => {
    socket.once(options.tls ? 'secureConnect' : 'connect', () => resolve());
    socket.once('error', reject);
  });
  let buffer = '';
  let isClosed = false;
  const waiters: Array<() => void> = [];
  const wake = (): void => {
    for (const w of waiters.splice(0)) w();
  };
  const listen = (s: Socket | TLSSocket): void => {
    s.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('latin1');
      wake();
    });
    s.on('close', () => {
      isClosed = true;
      wake();
    });
    s.on('error', () => undefined);
  };
  listen(socket);

  const takeReply = (): string | null => {
    const lines: string[] = [];
    let offset = 0;
    for (;;) {
      const end = buffer.indexOf('\r\n', offset);
      if (end < 0) return null;
      const line = buffer.slice(offset, end);
      lines.push(line);
      offset = end + 2;
      if (/^\d{3}(?: |$)/.test(line)) break;
    }
    buffer = buffer.slice(offset);
    return lines.join('\n');
  };

  const talk: SmtpTalk = {
    write: (data) => void socket.write(data),
    async reply(timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const r = takeReply();
        if (r !== null) return r;
        if (isClosed) throw new Error(`connection closed; unread: ${JSON.stringify(buffer)}`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no reply within ${timeoutMs} ms; unread: ${JSON.stringify(buffer)}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, left);
        });
      }
    },
    async command(line) {
      socket.write(`${line}\r\n`);
      return talk.reply();
    },
    async startTls(ca) {
      const answer = await talk.command('STARTTLS');
      if (!answer.startsWith('220')) throw new Error(`STARTTLS refused: ${answer}`);
      const plain = socket as Socket;
      plain.removeAllListeners('data');
      const secured = connectTls({ socket: plain, ca, servername: 'localhost' });
      await new Promise<void>((resolve, reject) => {
        secured.once('secureConnect', () => resolve());
        secured.once('error', reject);
      });
      socket = secured;
      listen(secured);
    },
    async closed(timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (!isClosed) {
        if (Date.now() > deadline) throw new Error('the server did not close the connection');
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
    },
    pending: () => buffer,
    end: () => socket.destroy(),
  };
  if (options.waitGreeting !== false) await talk.reply();
  return talk;
}

/** `AUTH PLAIN` initial response for a username and password (RFC 4616). */
export function plainAuth(username: string, password: string): string {
  return Buffer.from(`\0${username}\0${password}`, 'utf8').toString('base64');
}
