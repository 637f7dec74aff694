/**
 * The relay under test: a Postroom engine on a fresh database, a user with an SMTP credential,
 * the relay listening on free loopback ports (STARTTLS and implicit TLS, with the test CA's
 * certificate) and one outgoing server: a receiving SMTP sink.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../../src/config/index.js';
import { startRelayServer, type RelayServer } from '../../src/smtp/index.js';
import { createMessageTracker } from '../../src/tracking/index.js';
import { createSmtpCredential, createUser, type NewCredentialInput } from '../../src/users/index.js';
import { testCerts, type TestCerts } from '../helpers/certs.js';
import { createEngine, smtpServer, type Engine } from '../helpers/engine.js';
import { startSink, type Sink } from '../helpers/smtp-sink.js';
import { plainAuth, smtpTalk, type SmtpTalk } from '../helpers/smtp-talk.js';
import type { TestDatabaseKind } from '../helpers/databases.js';

export interface Relay {
  engine: Engine;
  relay: RelayServer;
  /** STARTTLS listener. */
  port: number;
  /** Implicit TLS listener. */
  tlsPort: number;
  sink: Sink;
  certs: TestCerts;
  userId: string;
  username: string;
  password: string;
  /** Another credential of the same user. */
  credential(input?: NewCredentialInput): Promise<{ username: string; password: string; id: string }>;
  queued(): Promise<number>;
  close(): Promise<void>;
}

export async function startRelay(kind: TestDatabaseKind, options: { smtp?: Partial<Config['smtp']>; credential?: NewCredentialInput } = {}): Promise<Relay> {
  const certs = await testCerts();
  const dir = mkdtempSync(join(tmpdir(), 'postroom-relay-tls-'));
  writeFileSync(join(dir, 'cert.pem'), certs.serverCert);
  writeFileSync(join(dir, 'key.pem'), certs.serverKey);
  const smtp = { tlsCert: join(dir, 'cert.pem'), tlsKey: join(dir, 'key.pem'), ...options.smtp };
  const engine = await createEngine(kind, { smtp });
  const sink = await startSink();
  await engine.addServer(smtpServer(sink.port, { name: 'outbound' }));
  const user = await createUser(engine.app, { email: 'erp@shop.example', role: 'sender', password: 'a long password 1' });
  const credential = async (input: NewCredentialInput = { allowFrom: 'shop.example', name: 'ERP' }) => {
    const made = await createSmtpCredential(engine.app, user.id, input);
    return { username: made.credential.username, password: made.password, id: made.credential.id };
  };
  const first = await credential(options.credential);
  const relay = await startRelayServer({ ...engine.app, config: { ...engine.app.config, smtp: { ...engine.app.config.smtp, ...smtp } } }, [
    { host: '127.0.0.1', port: 0, security: 'starttls' },
    { host: '127.0.0.1', port: 0, security: 'tls' },
  ], { tracker: createMessageTracker(engine.app.store, engine.app.secrets) });
  return {
    engine,
    relay,
    port: relay.ports[0]!,
    tlsPort: relay.ports[1]!,
    sink,
    certs,
    userId: user.id,
    username: first.username,
    password: first.password,
    credential,
    async queued() {
      const row = await engine.app.store.db.selectFrom('messages').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async close() {
      await relay.close();
      await engine.close();
      await sink.close();
    },
  };
}

/** A raw session on the relay's STARTTLS listener, past EHLO and AUTH PLAIN with the first credential. */
export async function loggedIn(relay: Relay): Promise<SmtpTalk> {
  const talk = await smtpTalk(relay.port);
  await talk.command('EHLO app.example');
  const answer = await talk.command(`AUTH PLAIN ${plainAuth(relay.username, relay.password)}`);
  if (!/^235 /.test(answer)) throw new Error(`AUTH was answered ${answer}`);
  return talk;
}
