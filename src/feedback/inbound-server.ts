/**
 * The inbound SMTP listener (`postroom serve --inbound HOST:PORT`): where bounces, complaints and
 * mailto unsubscribes come back. Built on smtp-server; what it accepts is decided by
 * inbound-addresses.ts and nothing else, so it is never a relay. No AUTH: nobody submits mail
 * here.
 *
 * A message is answered 250 only once processInbound committed it and everything it led to; a
 * storage error answers 451 4.3.0, so the sender tries again later and nothing is lost.
 */
import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from 'smtp-server';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from 'pino';
import { getSettings } from '../servers/settings.js';
import type { Store } from '../store/index.js';
import { inboundRole } from './inbound-addresses.js';
import { processInbound, type InboundContext } from './process-inbound.js';

export interface InboundServerOptions {
  host: string;
  port: number;
  /** Largest message taken; larger ones answer 552 (default 10 MB: bounces quote the original). */
  maxBytes?: number;
  /** Host name in the greeting. */
  name?: string;
  /** Verifies a mailto unsubscribe and carries it out; answers whether the token was good. */
  unsubscribe?: (address: string) => Promise<boolean>;
}

export interface InboundServer {
  port: number;
  close(): Promise<void>;
}

const smtpError = (code: number, text: string): Error => Object.assign(new Error(text), { responseCode: code });

export async function startInboundServer(ctx: InboundContext & { store: Store }, options: InboundServerOptions): Promise<InboundServer> {
  const maxBytes = options.maxBytes ?? 10 * 1024 * 1024;
  const log: Logger = ctx.log.child({ component: 'inbound' });
  let bounceDomain: { value: string | null; at: number } = { value: null, at: -Infinity };
  // The bounce domain is a setting: read it at most once a second, not per command.
  const domain = async (): Promise<string | null> => {
    if (Date.now() - bounceDomain.at > 1000) bounceDomain = { value: (await getSettings(ctx.store)).bounce_domain, at: Date.now() };
    return bounceDomain.value;
  };

  const server = new SMTPServer({
    name: options.name,
    banner: 'Postroom inbound: bounces and feedback only',
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    hideSTARTTLS: true,
    size: maxBytes,
    logger: false,
    maxClients: 200,
    socketTimeout: 60_000,
    onConnect(session, callback) {
      callback();
    },
    onRcptTo(address: SMTPServerAddress, session: SMTPServerSession, callback) {
      void (async () => {
        const role = inboundRole(address.address, await domain());
        if (!role) return callback(smtpError(550, '5.7.1 Relay access denied: not an address of this server'));
        if (role === 'unsubscribe') {
          const ok = options.unsubscribe ? await options.unsubscribe(address.address) : false;
          if (!ok) return callback(smtpError(550, '5.1.1 Unknown unsubscribe address'));
          log.info({ client: session.remoteAddress }, 'mailto unsubscribe');
        }
        callback();
      })().catch((error: unknown) => {
        log.error({ err: error }, 'could not check an inbound recipient');
        callback(smtpError(451, '4.3.0 Temporary failure, try again later'));
      });
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded) return callback(smtpError(552, `5.3.4 Message too big: at most ${maxBytes} bytes`));
        const rcptTo = session.envelope.rcptTo.map((r) => r.address);
        // Mail only to unsubscribe addresses has done its work at RCPT: nothing to read.
        if (rcptTo.every((a) => a.toLowerCase().startsWith('unsubscribe+'))) return callback(null, '2.0.0 Unsubscribed');
        const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : null;
        processInbound(ctx, { raw: Buffer.concat(chunks), source: 'inbound', clientIp: session.remoteAddress, mailFrom, rcptTo })
          .then((result) => callback(null, `2.0.0 Ok: ${result.id}`))
          .catch((error: unknown) => {
            log.error({ err: error, client: session.remoteAddress }, 'could not store an inbound message; answered 451');
            callback(smtpError(451, '4.3.0 Temporary failure, try again later'));
          });
      });
    },
  });
  server.on('error', (error) => log.warn({ err: error }, 'inbound SMTP connection error'));
  // Nagle off: a pipelining client would otherwise wait ~40 ms per reply.
  (server as unknown as { server: { on(event: 'connection', f: (socket: Socket) => void): void } }).server.on('connection', (socket) => socket.setNoDelay(true));
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    server.listen(options.port, options.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const bound = (server as unknown as { server: { address(): AddressInfo } }).server.address();
  return {
    port: bound.port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
