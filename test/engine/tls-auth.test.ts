/**
 * Delivery over STARTTLS and implicit TLS, with AUTH PLAIN, AUTH LOGIN and client certificates,
 * and Test Connection, each against a real smtp-server on 127.0.0.1. The sinks trust only the test
 * CA; Postroom trusts it through the server's `tlsCa`, with verification on.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testConnection } from '../../src/servers/index.js';
import type { ServerInput } from '../../src/servers/index.js';
import type { MessageDetail } from '../../src/spool/index.js';
import { createEngine, simpleMessage, smtpServer, type Engine } from '../helpers/engine.js';
import { startSink, type Sink, type SinkOptions } from '../helpers/smtp-sink.js';
import { testDatabaseKinds } from '../helpers/databases.js';
import { testCerts, type TestCerts } from '../helpers/certs.js';
import { freePort as closedPort } from '../helpers/ports.js';

const USER = 'relay@postroom.test';
const PASSWORD = 'correct horse battery staple';

let certs: TestCerts;
beforeAll(async () => {
  certs = await testCerts();
});

/** A sink with the CA-signed server certificate: STARTTLS offered, or implicit TLS when `secure`. */
function tlsSink(extra: SinkOptions = {}): Promise<Sink> {
  return startSink({ cert: certs.serverCert, key: certs.serverKey, ...extra });
}

/** A Postroom server for `sink` that verifies the sink's certificate against the test CA. */
function verifiedServer(sink: Sink, extra: Partial<ServerInput> = {}): ServerInput {
  return smtpServer(sink.port, { security: 'starttls', tlsVerify: true, tlsCa: certs.caCert, ...extra });
}

/** A port nothing listens on: opened by us, then closed again. */

describe.each(testDatabaseKinds())('delivery over TLS and AUTH on %s', (kind) => {
  let engine: Engine | undefined;
  let sink: Sink | undefined;
  afterEach(async () => {
    await engine?.close();
    await sink?.close();
    engine = undefined;
    sink = undefined;
  });

  /** Sends one message through a server made from `input` and waits until it is sent. */
  async function deliverOne(input: ServerInput): Promise<string> {
    engine = await createEngine(kind);
    await engine.addServer(input);
    const id = await engine.enqueue(simpleMessage(1));
    engine.startWorker();
    await engine.waitForStatus([id], ['sent'], 15_000);
    return id;
  }

  /**
   * Enqueues one message, waits for its first deferral, lets the worker retry for `retryMs`
   * (retries start 200 ms apart in tests), then stops the worker so the rows hold still.
   */
  async function deferOne(input: ServerInput, retryMs = 0): Promise<MessageDetail> {
    engine = await createEngine(kind);
    await engine.addServer(input);
    const id = await engine.enqueue(simpleMessage(1));
    const worker = engine.startWorker();
    await engine.waitForStatus([id], ['deferred', 'sent', 'failed'], 15_000);
    if (retryMs > 0) await new Promise((resolve) => setTimeout(resolve, retryMs));
    await worker.stop();
    return engine.message(id);
  }

  async function expectSent(id: string): Promise<void> {
    const detail = await engine!.message(id);
    expect(detail.message.status).toBe('sent');
    expect(detail.recipients.map((r) => [r.address, r.status, r.last_code])).toEqual([['rcpt1@example.org', 'sent', 250]]);
  }

  it('delivers over STARTTLS to a server whose certificate the configured CA signed', async () => {
    sink = await tlsSink();
    const id = await deliverOne(verifiedServer(sink));
    expect(sink.messages).toHaveLength(1);
    expect(sink.messages[0]!.to).toEqual(['rcpt1@example.org']);
    expect(sink.messages[0]!.subject).toBe('Message 1');
    await expectSent(id);
  });

  it('does not fall back to plain text when a STARTTLS server offers no STARTTLS', async () => {
    sink = await startSink();
    const detail = await deferOne(verifiedServer(sink));
    expect(sink.messages).toHaveLength(0);
    expect(detail.message.status).toBe('deferred');
    expect(detail.events.find((e) => e.type === 'deferred')?.detail).toMatch(/^tls: /);
    expect(detail.recipients[0]!.last_response).toMatch(/^tls: /);
  });

  it('delivers over implicit TLS', async () => {
    sink = await tlsSink({ secure: true });
    const id = await deliverOne(verifiedServer(sink, { security: 'tls' }));
    expect(sink.messages).toHaveLength(1);
    expect(sink.messages[0]!.subject).toBe('Message 1');
    await expectSent(id);
  });

  it.each(['PLAIN', 'LOGIN'])('delivers with AUTH %s when the server offers only that method', async (method) => {
    sink = await tlsSink({ auth: { username: USER, password: PASSWORD, methods: [method] } });
    const id = await deliverOne(verifiedServer(sink, { auth: 'password', username: USER, password: PASSWORD }));
    expect(sink.authAttempts).toEqual([{ method, username: USER }]);
    expect(sink.messages).toHaveLength(1);
    expect(sink.messages[0]!.user).toBe(USER);
    await expectSent(id);
  });

  it('delivers with a client certificate the server requires', async () => {
    sink = await tlsSink({ secure: true, requireClientCertCa: certs.caCert });
    const id = await deliverOne(
      verifiedServer(sink, { security: 'tls', auth: 'certificate', certificate: certs.clientCert, privateKey: certs.clientKey }),
    );
    expect(sink.messages).toHaveLength(1);
    await expectSent(id);
  });

  it('delivers with a client certificate over STARTTLS', async () => {
    sink = await tlsSink({ requireClientCertCa: certs.caCert });
    const id = await deliverOne(verifiedServer(sink, { auth: 'certificate', certificate: certs.clientCert, privateKey: certs.clientKey }));
    expect(sink.messages).toHaveLength(1);
    await expectSent(id);
  });

  it('defers, and sends nothing, when the server requires a client certificate and none is configured', async () => {
    sink = await tlsSink({ secure: true, requireClientCertCa: certs.caCert });
    const detail = await deferOne(verifiedServer(sink, { security: 'tls' }), 1_000);
    expect(sink.messages).toHaveLength(0);
    expect(detail.message.status).toBe('deferred');
    const [recipient] = detail.recipients;
    expect(recipient!.status).toBe('deferred');
    // Retried in the meantime, and refused every time.
    expect(recipient!.attempts).toBeGreaterThanOrEqual(2);
    // TLS 1.3: the server refuses with a "certificate required" alert after the handshake.
    expect(recipient!.last_response).toMatch(/^tls: .*certificate required/);
  });

  it('defers, not fails, on a wrong password, and says the AUTH step refused it', async () => {
    sink = await tlsSink({ auth: { username: USER, password: PASSWORD } });
    const detail = await deferOne(verifiedServer(sink, { auth: 'password', username: USER, password: 'wrong' }));
    expect(sink.messages).toHaveLength(0);
    expect(sink.authAttempts.length).toBeGreaterThanOrEqual(1);
    expect(detail.message.status).toBe('deferred');
    const [recipient] = detail.recipients;
    expect(recipient!.status).toBe('deferred');
    expect(recipient!.last_code).toBe(535);
    expect(recipient!.last_enhanced).toBe('5.7.8');
    const deferred = detail.events.find((e) => e.type === 'deferred');
    expect(deferred?.detail).toMatch(/^auth: 535 5\.7\.8 Authentication credentials invalid; next try /);
    expect(recipient!.last_response).toBe('auth: 535 5.7.8 Authentication credentials invalid');
  });
});

describe('Test Connection', () => {
  let engine: Engine;
  const sinks: Sink[] = [];
  let named = 0;

  beforeAll(async () => {
    engine = await createEngine('sqlite');
    return () => engine.close();
  });
  afterEach(async () => {
    await Promise.all(sinks.splice(0).map((s) => s.close()));
  });

  async function sinkFor(options: SinkOptions): Promise<Sink> {
    const sink = await startSink(options);
    sinks.push(sink);
    return sink;
  }

  /** Saves a server record (as the UI and CLI do) and tests it. */
  async function test(input: ServerInput) {
    named += 1;
    const server = await engine.addServer({ ...input, name: `test-${named}` });
    return testConnection(server, engine.app.secrets, 'postroom.test', 10_000);
  }

  function expectNoMail(sink: Sink): void {
    expect(sink.messages).toHaveLength(0);
    expect(sink.counters.messages).toBe(0);
  }

  it('succeeds over STARTTLS with a password, names each step, and sends no mail', async () => {
    const sink = await sinkFor({ cert: certs.serverCert, key: certs.serverKey, auth: { username: USER, password: PASSWORD } });
    const result = await test(verifiedServer(sink, { auth: 'password', username: USER, password: PASSWORD }));
    expect(result).toEqual({ ok: true, detail: `connected to 127.0.0.1:${sink.port}, STARTTLS, authenticated as ${USER}` });
    expect(sink.authAttempts).toEqual([{ method: 'PLAIN', username: USER }]);
    expectNoMail(sink);
  });

  it('succeeds over implicit TLS', async () => {
    const sink = await sinkFor({ secure: true, cert: certs.serverCert, key: certs.serverKey });
    const result = await test(verifiedServer(sink, { security: 'tls' }));
    expect(result).toEqual({ ok: true, detail: `connected to 127.0.0.1:${sink.port}, TLS` });
    expectNoMail(sink);
  });

  it('succeeds with a client certificate', async () => {
    const sink = await sinkFor({ secure: true, cert: certs.serverCert, key: certs.serverKey, requireClientCertCa: certs.caCert });
    const result = await test(
      verifiedServer(sink, { security: 'tls', auth: 'certificate', certificate: certs.clientCert, privateKey: certs.clientKey }),
    );
    expect(result).toEqual({ ok: true, detail: `connected to 127.0.0.1:${sink.port}, TLS, client certificate presented` });
    expectNoMail(sink);
  });

  it('names the connect step when nothing listens', async () => {
    const port = await closedPort();
    const result = await test(smtpServer(port, { security: 'starttls' }));
    expect(result).toEqual({ ok: false, stage: 'connect', message: `connect: ECONNREFUSED 127.0.0.1:${port}` });
  });

  it.each(['starttls', 'tls'] as const)('names the TLS step for a self-signed certificate over %s', async (security) => {
    const sink = await sinkFor({ secure: security === 'tls', cert: certs.selfSignedCert, key: certs.selfSignedKey });
    const result = await test(smtpServer(sink.port, { security, tlsVerify: true }));
    expect(result).toEqual({ ok: false, stage: 'tls', message: 'tls: self-signed certificate' });
    expectNoMail(sink);
  });

  it('names the TLS step when the certificate is signed by a CA it was not told to trust', async () => {
    const sink = await sinkFor({ cert: certs.serverCert, key: certs.serverKey });
    const result = await test(smtpServer(sink.port, { security: 'starttls', tlsVerify: true }));
    expect(result).toEqual({ ok: false, stage: 'tls', message: 'tls: unable to verify the first certificate' });
    expectNoMail(sink);
  });

  it('names the TLS step when the server requires a client certificate and none is configured', async () => {
    const sink = await sinkFor({ secure: true, cert: certs.serverCert, key: certs.serverKey, requireClientCertCa: certs.caCert });
    const result = await test(verifiedServer(sink, { security: 'tls' }));
    expect(result.ok).toBe(false);
    expect(result.ok ? null : result.stage).toBe('tls');
    expect(result.ok ? null : result.message).toMatch(/^tls: .*certificate required/);
  });

  it('accepts a self-signed certificate when verification is off', async () => {
    const sink = await sinkFor({ cert: certs.selfSignedCert, key: certs.selfSignedKey });
    const result = await test(smtpServer(sink.port, { security: 'starttls', tlsVerify: false }));
    expect(result).toEqual({ ok: true, detail: `connected to 127.0.0.1:${sink.port}, STARTTLS` });
  });

  it('names the AUTH step and carries the answer on a wrong password', async () => {
    const sink = await sinkFor({ cert: certs.serverCert, key: certs.serverKey, auth: { username: USER, password: PASSWORD } });
    const result = await test(verifiedServer(sink, { auth: 'password', username: USER, password: 'wrong' }));
    expect(result).toEqual({ ok: false, stage: 'auth', message: 'auth: 535 5.7.8 Authentication credentials invalid' });
    expect(sink.authAttempts).toEqual([{ method: 'PLAIN', username: USER }]);
    expectNoMail(sink);
  });
});
