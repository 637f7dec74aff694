/**
 * A real SMTP server on 127.0.0.1 for tests (smtp-server): records every message it accepts,
 * counts concurrent sessions, and can be told to answer MAIL, RCPT or DATA with any code, or to
 * drop the connection in the middle of DATA.
 */
import { SMTPServer, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';
import type { AddressInfo, Socket } from 'node:net';

export interface SinkMessage {
  from: string;
  to: string[];
  raw: Buffer;
  messageId: string | null;
  subject: string | null;
  at: number;
  user: string | null;
  /** Whether the session was encrypted (TLS or STARTTLS) when the message came. */
  tls: boolean;
  /** The address the client connected to (direct delivery picks it from DNS). */
  localAddress: string;
  /** The address the client connected from (direct delivery's source address). */
  remoteAddress: string;
  /** The name the client gave with EHLO. */
  ehlo: string;
}

/** What the sink should answer; `undefined` means accept. */
export type SinkAnswer = { code: number; text: string } | 'drop' | undefined;

export interface SinkScript {
  mail?: (from: string, n: SinkCounters) => SinkAnswer;
  rcpt?: (to: string, n: SinkCounters) => SinkAnswer;
  /** Called on the first chunk of a message's data, while the client is still sending it. */
  dataStart?: (n: SinkCounters) => 'drop' | undefined;
  /** Called when DATA completes; `n.messages` counts the messages received so far (accepted or not). */
  data?: (message: SinkMessage, n: SinkCounters) => SinkAnswer;
}

export interface SinkCounters {
  sessions: number;
  messages: number;
  /** Messages whose connection was dropped while their data was arriving. */
  dataDrops: number;
}

export interface SinkOptions {
  /** Listen here rather than 127.0.0.1 on a free port (direct delivery tests give several MX hosts one port). */
  host?: string;
  port?: number;
  /** Implicit TLS from the first byte. */
  secure?: boolean;
  /** PEM certificate and key for TLS and STARTTLS; without them no STARTTLS is offered. */
  cert?: string;
  key?: string;
  /** Require a client certificate signed by this CA. */
  requireClientCertCa?: string;
  /** Require AUTH with these credentials (PLAIN and LOGIN offered). */
  auth?: { username: string; password: string; methods?: string[] };
  /**
   * Require AUTH XOAUTH2 (offered beside `auth`'s methods): `accepts` says whether a user's
   * access token is good. A refused token is answered as Gmail does (`challenge`: a 334 with a
   * JSON status, then 535 after the client's empty line) or as Microsoft does (`535` at once).
   */
  oauth?: { accepts(user: string, accessToken: string): boolean; failure?: 'challenge' | '535' };
  /** Pause this long before answering DATA (a slow server). */
  dataDelayMs?: number;
  script?: SinkScript;
}

export interface Sink {
  port: number;
  messages: SinkMessage[];
  /** Highest number of sessions open at once. */
  maxConcurrent(): number;
  concurrent(): number;
  counters: SinkCounters;
  authAttempts: Array<{ method: string; username: string; accessToken?: string }>;
  close(): Promise<void>;
  waitForMessages(count: number, timeoutMs?: number): Promise<void>;
}

export async function startSink(options: SinkOptions = {}): Promise<Sink> {
  const messages: SinkMessage[] = [];
  const counters: SinkCounters = { sessions: 0, messages: 0, dataDrops: 0 };
  const authAttempts: Sink['authAttempts'] = [];
  let live = 0;
  let max = 0;
  const script = options.script ?? {};

  const answer = (result: SinkAnswer, session: SMTPServerSession, callback: (err?: Error | null) => void): boolean => {
    if (!result) return false;
    if (result === 'drop') {
      socketOf(session)?.destroy();
      return true;
    }
    const error = Object.assign(new Error(result.text), { responseCode: result.code });
    callback(error);
    return true;
  };

  const serverOptions: SMTPServerOptions = {
    secure: !!options.secure,
    key: options.key,
    cert: options.cert,
    hideSTARTTLS: !options.cert,
    disabledCommands: options.cert ? [] : ['STARTTLS'],
    authOptional: !options.auth && !options.oauth,
    authMethods: [...(options.auth?.methods ?? (options.oauth ? [] : ['PLAIN', 'LOGIN'])), ...(options.oauth ? ['XOAUTH2'] : [])],
    allowInsecureAuth: true,
    logger: false,
    size: 50 * 1024 * 1024,
    ...(options.requireClientCertCa ? { requestCert: true, rejectUnauthorized: true, ca: options.requireClientCertCa } : {}),
    onAuth(auth, _session, callback) {
      if (auth.method === 'XOAUTH2' && options.oauth) {
        const token = auth.accessToken ?? '';
        authAttempts.push({ method: auth.method, username: auth.username ?? '', accessToken: token });
        if (options.oauth.accepts(auth.username ?? '', token)) return callback(null, { user: auth.username });
        if (options.oauth.failure === '535') return callback(Object.assign(new Error('5.7.3 Authentication unsuccessful'), { responseCode: 535 }));
        return callback(null, { data: { status: '401', schemes: 'bearer', scope: 'https://mail.google.com/' } });
      }
      authAttempts.push({ method: auth.method, username: auth.username ?? '' });
      if (options.auth && auth.username === options.auth.username && auth.password === options.auth.password) {
        return callback(null, { user: auth.username });
      }
      return callback(Object.assign(new Error('5.7.8 Authentication credentials invalid'), { responseCode: 535 }));
    },
    onMailFrom(address, session, callback) {
      if ((options.auth || options.oauth) && !session.user) return callback(Object.assign(new Error('5.7.0 Authentication required'), { responseCode: 530 }));
      if (answer(script.mail?.(address.address, counters), session, callback)) return;
      callback();
    },
    onRcptTo(address, session, callback) {
      if (answer(script.rcpt?.(address.address, counters), session, callback)) return;
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      let started = false;
      stream.on('data', (chunk: Buffer) => {
        if (!started) {
          started = true;
          if (script.dataStart?.(counters) === 'drop') {
            counters.dataDrops += 1;
            socketOf(session)?.destroy();
            return;
          }
        }
        chunks.push(chunk);
      });
      stream.on('error', () => undefined);
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        const head = raw.subarray(0, Math.max(0, raw.indexOf('\r\n\r\n'))).toString('utf8');
        const message: SinkMessage = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          messageId: /^message-id:\s*(.+)$/im.exec(head)?.[1]?.trim() ?? null,
          subject: /^subject:\s*(.+)$/im.exec(head)?.[1]?.trim() ?? null,
          at: Date.now(),
          user: typeof session.user === 'string' ? session.user : null,
          tls: session.secure,
          localAddress: session.localAddress,
          remoteAddress: session.remoteAddress,
          ehlo: session.hostNameAppearsAs,
        };
        counters.messages += 1;
        const reply = () => {
          if (answer(script.data?.(message, counters), session, callback)) return;
          messages.push(message);
          callback(null, '2.0.0 Ok: queued');
        };
        if (options.dataDelayMs) setTimeout(reply, options.dataDelayMs);
        else reply();
      });
    },
  };

  const server = new SMTPServer(serverOptions);
  const socketOf = (session: SMTPServerSession): Socket | undefined =>
    [...server.connections].find((c) => c.id === session.id)?._socket as Socket | undefined;

  // Sessions are counted on the raw TCP socket: from its arrival until the client's FIN.
  server.server.on('connection', (socket: Socket) => {
    socket.setNoDelay(true);
    let state: 'new' | 'live' | 'ended' = 'new';
    const end = () => {
      if (state === 'live') live -= 1;
      state = 'ended';
    };
    socket.once('end', end);
    socket.once('close', end);
    // Counted after events already waiting in this turn of the loop (an earlier session's FIN).
    setImmediate(() => {
      counters.sessions += 1;
      if (state === 'ended') return;
      state = 'live';
      live += 1;
      max = Math.max(max, live);
    });
  });
  server.on('error', () => undefined);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  const port = (server.server.address() as AddressInfo).port;

  return {
    port,
    messages,
    counters,
    authAttempts,
    maxConcurrent: () => max,
    concurrent: () => live,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    async waitForMessages(count, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (messages.length < count) {
        if (Date.now() > deadline) throw new Error(`sink: ${messages.length} of ${count} messages after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}
