/**
 * A counting SMTP sink for the delivery benchmark, meant to run in its own process (forked by
 * bench/delivery.ts with an IPC channel) so it gets a core of its own, like a remote server.
 *
 * Accepts every message, keeps nothing but counters. Talks to its parent over IPC:
 *   → { type: 'listening', port }                once the server listens
 *   ← { type: 'reset' }        → { type: 'reset', ... }      counters back to zero
 *   ← { type: 'wait', count }  → { type: 'reached', ... }    once `count` messages were received
 *   ← { type: 'stats' }        → { type: 'stats', ... }
 *   ← { type: 'close' }        closes the server and exits
 */
import { SMTPServer } from 'smtp-server';
import type { AddressInfo, Socket } from 'node:net';
import type { SinkCounters } from './sink-process.js';

type Counters = SinkCounters;

type ParentMessage = { type: 'reset' } | { type: 'wait'; count: number } | { type: 'stats' } | { type: 'close' };

const fresh = (): Counters => ({ messages: 0, recipients: 0, bytes: 0, sessions: 0, signed: 0, firstAt: null, lastAt: null, cpuMs: 0 });
let counters = fresh();
let cpuBase = process.cpuUsage();
const withCpu = (): Counters => {
  const used = process.cpuUsage(cpuBase);
  return { ...counters, cpuMs: (used.user + used.system) / 1000 };
};
let waitingFor: number | null = null;

function send(message: object): void {
  process.send?.(message);
}

function checkWait(): void {
  if (waitingFor !== null && counters.messages >= waitingFor) {
    waitingFor = null;
    send({ type: 'reached', ...withCpu() });
  }
}

const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  hideSTARTTLS: true,
  logger: false,
  size: 50 * 1024 * 1024,
  onConnect(_session, callback) {
    counters.sessions += 1;
    callback();
  },
  onData(stream, session, callback) {
    let bytes = 0;
    let head = '';
    stream.on('data', (chunk: Buffer) => {
      if (bytes < 8192) head += chunk.toString('latin1', 0, Math.min(chunk.length, 8192));
      bytes += chunk.length;
    });
    stream.on('error', () => undefined);
    stream.on('end', () => {
      const now = Date.now();
      counters.messages += 1;
      counters.recipients += session.envelope.rcptTo.length;
      counters.bytes += bytes;
      if (/^DKIM-Signature:/im.test(head)) counters.signed += 1;
      counters.firstAt ??= now;
      counters.lastAt = now;
      callback(null, '2.0.0 Ok: queued');
      checkWait();
    });
  },
});

// Nagle off on the server side too (nodemailer's client already turns it off on its side).
server.server.on('connection', (socket: Socket) => socket.setNoDelay(true));
server.on('error', (error: Error) => {
  process.stderr.write(`sink: ${error.message}\n`);
});

process.on('message', (message: ParentMessage) => {
  switch (message.type) {
    case 'reset':
      counters = fresh();
      cpuBase = process.cpuUsage();
      waitingFor = null;
      send({ type: 'reset', ...counters });
      break;
    case 'wait':
      waitingFor = message.count;
      checkWait();
      break;
    case 'stats':
      send({ type: 'stats', ...withCpu() });
      break;
    case 'close':
      server.close(() => process.exit(0));
      // Sessions still open do not keep us alive for long.
      setTimeout(() => process.exit(0), 2000).unref();
      break;
  }
});
// The parent went away: nothing left to do.
process.on('disconnect', () => process.exit(0));

server.listen(0, '127.0.0.1', () => {
  const { port } = server.server.address() as AddressInfo;
  send({ type: 'listening', port });
});
