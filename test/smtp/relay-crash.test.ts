/**
 * Crash safety of the relay: `postroom serve` is SIGKILLed the moment the client has its last
 * 250; every message that was answered 250 is delivered after the restart, once each.
 */
import { afterEach, describe, expect, it } from 'vitest';
import nodemailer from 'nodemailer';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../helpers/databases.js';
import { killAllPostroom, openTestApp, postroomEnv, spawnPostroom, waitUntil } from '../helpers/processes.js';
import { startSink, type Sink } from '../helpers/smtp-sink.js';
import { createServer } from '../../src/servers/index.js';
import { createSmtpCredential, createUser } from '../../src/users/index.js';
import { freePort } from '../helpers/ports.js';

describe.each(testDatabaseKinds())('relay crash safety on %s', (kind) => {
  let database: TestDatabase;
  let sink: Sink;
  afterEach(async () => {
    await killAllPostroom();
    await sink?.close();
    await database?.drop();
  });

  it('delivers every message answered 250 after serve is SIGKILLed right behind the last answer', async () => {
    database = await createTestDatabase(kind);
    sink = await startSink();
    const app = await openTestApp(database);
    await createServer(app, { name: 'outbound', host: '127.0.0.1', port: sink.port, security: 'none', auth: 'none' });
    const user = await createUser(app, { email: 'erp@shop.example', role: 'sender', password: 'a long password 1' });
    const { credential, password } = await createSmtpCredential(app, user.id, { allowFrom: 'shop.example' });
    await app.close();

    const port = await freePort();
    const env = postroomEnv(database);
    const serve = spawnPostroom(['serve', '--no-workers', '--http', '127.0.0.1:0', '--inbound', 'off', '--smtp', `127.0.0.1:${port}`], env);
    await waitUntil(() => serve.stdout().includes('SMTP relay for applications'), 20_000, () => `serve did not start: ${serve.stderr()}`);

    const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, pool: true, maxConnections: 4, auth: { user: credential.username, pass: password } });
    const answered: string[] = [];
    await Promise.all(
      Array.from({ length: 20 }, async (_, n) => {
        const info = await transport.sendMail({ from: 'orders@shop.example', to: `customer${n}@example.org`, subject: `Order ${n}`, text: `Order ${n}` });
        answered.push(/queued as (\S+)/.exec(info.response)![1]!);
      }),
    );
    serve.kill('SIGKILL');
    transport.close();
    expect((await serve.exited).signal).toBe('SIGKILL');
    expect(answered).toHaveLength(20);

    const worker = spawnPostroom(['worker', '--exit-when-idle'], env);
    expect((await worker.waitForExit(60_000)).code).toBe(0);
    expect(sink.messages.map((m) => m.to[0]).sort()).toEqual(Array.from({ length: 20 }, (_, n) => `customer${n}@example.org`).sort());
  });
});
