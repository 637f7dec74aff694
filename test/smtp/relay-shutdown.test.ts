/**
 * The relay's graceful shutdown (SIGTERM to `postroom serve` closes it so): a session between
 * transactions is told 421 at once; one in the middle of DATA finishes, hears its 250 only once
 * the message is committed, and is told 421 right after; nobody new gets in; a session still in
 * its transaction when the grace ends is told 421 too, and nothing half-sent is queued.
 */
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { smtpTalk } from '../helpers/smtp-talk.js';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { freePort } from '../helpers/ports.js';
import { killAllPostroom, postroomEnv, spawnPostroom, waitUntil } from '../helpers/processes.js';
import { loggedIn, startRelay, type Relay } from './relay-harness.js';

const SHUTTING_DOWN = '421 4.3.2 Service shutting down; try again later';

describe('SMTP relay shutdown', () => {
  let relay: Relay;
  afterEach(async () => relay?.close());

  const refused = (port: number): Promise<boolean> =>
    new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(false);
      }).once('error', () => resolve(true));
    });

  it('tells idle sessions 421 at once and lets a transaction under way finish with its 250 first', async () => {
    relay = await startRelay('sqlite');
    const idle = await loggedIn(relay);
    const busy = await loggedIn(relay);
    expect(await busy.command('MAIL FROM:<orders@shop.example>')).toMatch(/^250 /);
    expect(await busy.command('RCPT TO:<anna@example.org>')).toMatch(/^250 /);
    expect(await busy.command('DATA')).toMatch(/^354 /);
    busy.write('From: orders@shop.example\r\nTo: anna@example.org\r\nSubject: Order 7\r\n\r\nHalf of the body,\r\n');

    const closed = relay.relay.close(10_000);
    expect(await idle.reply(3_000)).toBe(SHUTTING_DOWN);
    await idle.closed(3_000);
    expect(await refused(relay.port)).toBe(true);

    busy.write('and the rest of it.\r\n.\r\n');
    const accepted = await busy.reply(5_000);
    expect(accepted).toMatch(/^250 2\.0\.0 Ok: queued as msg_/);
    expect(await busy.reply(3_000)).toBe(SHUTTING_DOWN);
    await busy.closed(3_000);
    await closed;
    const id = /queued as (\S+)/.exec(accepted)![1]!;
    const stored = await relay.engine.app.store.db.selectFrom('messages').select('subject').where('id', '=', id).execute();
    expect(stored).toEqual([{ subject: 'Order 7' }]);
  });

  it('tells a session still in its transaction 421 when the grace ends, and queues nothing of it', async () => {
    relay = await startRelay('sqlite');
    const slow = await loggedIn(relay);
    expect(await slow.command('MAIL FROM:<orders@shop.example>')).toMatch(/^250 /);
    expect(await slow.command('RCPT TO:<anna@example.org>')).toMatch(/^250 /);
    // Between RCPT and DATA, the session may still go on with its transaction…
    const closed = relay.relay.close(1_500);
    expect(await slow.command('RCPT TO:<ben@example.org>')).toMatch(/^250 /);
    expect(await slow.command('DATA')).toMatch(/^354 /);
    slow.write('From: orders@shop.example\r\nSubject: never finished\r\n\r\nA body that never ends');
    // …but not past the grace.
    expect(await slow.reply(5_000)).toMatch(/^421 /);
    await slow.closed(3_000);
    await closed;
    expect(await relay.queued()).toBe(0);
  });

  it('is closed so by SIGTERM to postroom serve, which then exits 0', async () => {
    const database: TestDatabase = await createTestDatabase('sqlite');
    try {
      const port = await freePort();
      const serve = spawnPostroom(['serve', '--http', '127.0.0.1:0', '--inbound', 'off', '--smtp', `127.0.0.1:${port}`], postroomEnv(database));
      await waitUntil(() => serve.stdout().includes('SMTP relay for applications'), 20_000, () => `serve did not start: ${serve.stderr()}`);
      const client = await smtpTalk(port);
      expect(await client.command('EHLO app.example')).toMatch(/^250/);
      serve.kill('SIGTERM');
      expect(await client.reply(5_000)).toBe(SHUTTING_DOWN);
      await client.closed(3_000);
      expect(await serve.waitForExit(20_000)).toEqual({ code: 0, signal: null });
    } finally {
      await killAllPostroom();
      await database.drop();
    }
  });
});
