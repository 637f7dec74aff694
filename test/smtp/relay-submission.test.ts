/**
 * The relay end to end: an application submits with a real SMTP client (nodemailer) over
 * STARTTLS and implicit TLS, the message is in the spool when the client hears 250, and the
 * worker delivers it to the receiving server like API mail — byte for byte as submitted, apart
 * from line ends made CRLF.
 */
import { afterEach, describe, expect, it } from 'vitest';
import nodemailer from 'nodemailer';
import { testDatabaseKinds } from '../helpers/databases.js';
import { plainAuth, smtpTalk } from '../helpers/smtp-talk.js';
import { revokeSmtpCredential } from '../../src/users/index.js';
import { startRelay, type Relay } from './relay-harness.js';

describe.each(testDatabaseKinds())('SMTP relay on %s', (kind) => {
  let relay: Relay;
  afterEach(async () => relay?.close());

  it('takes mail from nodemailer over STARTTLS and implicit TLS and delivers it through routing', async () => {
    relay = await startRelay(kind, { smtp: { loopbackPlainAuth: false } });
    const auth = { user: relay.username, pass: relay.password };
    const starttls = nodemailer.createTransport({ host: '127.0.0.1', port: relay.port, secure: false, requireTLS: true, auth, tls: { ca: relay.certs.caCert, servername: 'localhost' } });
    const implicit = nodemailer.createTransport({ host: '127.0.0.1', port: relay.tlsPort, secure: true, auth, tls: { ca: relay.certs.caCert, servername: 'localhost' } });
    const first = await starttls.sendMail({
      from: 'Shop <orders@shop.example>',
      to: 'anna@example.org',
      cc: 'ben@example.org',
      bcc: 'audit@example.net',
      subject: 'Ihre Bestellung – Nr. 42',
      text: 'Danke für Ihre Bestellung.',
      attachments: [{ filename: 'rechnung.pdf', content: Buffer.alloc(5000, 7) }],
    });
    const second = await implicit.sendMail({ from: 'billing@shop.example', to: 'carl@example.org', subject: 'Receipt', text: 'Paid.' });
    starttls.close();
    implicit.close();

    const ids = [first.response, second.response].map((r) => /^250 2\.0\.0 Ok: queued as (msg_\S+)$/.exec(r)?.[1]);
    expect(ids.every(Boolean), `${first.response} / ${second.response}`).toBe(true);
    // Committed before the 250: the rows are there now, owned by the credential's user.
    const db = relay.engine.app.store.db;
    const rows = await db.selectFrom('messages').selectAll().where('id', 'in', ids as string[]).orderBy('created_at').execute();
    expect(rows.map((r) => [r.user_id, r.subject, r.from_address])).toEqual([
      [relay.userId, 'Ihre Bestellung – Nr. 42', 'orders@shop.example'],
      [relay.userId, 'Receipt', 'billing@shop.example'],
    ]);
    const recipients = await db.selectFrom('recipients').select(['address', 'kind', 'priority']).where('message_id', '=', ids[0]!).orderBy('address').execute();
    expect(recipients).toEqual([
      { address: 'anna@example.org', kind: 'to', priority: 0 },
      { address: 'audit@example.net', kind: 'bcc', priority: 0 },
      { address: 'ben@example.org', kind: 'cc', priority: 0 },
    ]);
    const queued = await db.selectFrom('events').select('detail').where('message_id', '=', ids[0]!).where('type', '=', 'queued').executeTakeFirstOrThrow();
    expect(queued.detail).toMatch(new RegExp(`^3 recipient\\(s\\), \\d+ bytes; submitted over SMTP by ${relay.username} from 127\\.0\\.0\\.1 over TLS$`));

    relay.engine.startWorker();
    await relay.engine.waitForStatus(ids as string[], ['sent']);
    expect(relay.sink.messages).toHaveLength(2);
    const delivered = relay.sink.messages.find((m) => m.to.includes('anna@example.org'))!;
    expect(delivered.to.sort()).toEqual(['anna@example.org', 'audit@example.net', 'ben@example.org']);
    // Bcc stays in the envelope: the header is taken out before the message is stored.
    expect(delivered.raw.toString('latin1')).not.toMatch(/^Bcc:/im);
    expect(delivered.raw.toString('latin1')).toContain('filename=rechnung.pdf');
  });

  it('delivers a bare-LF message with leading-dot lines byte for byte, line ends made CRLF', async () => {
    relay = await startRelay(kind);
    const body = [
      'From: Shop <orders@shop.example>',
      'To: anna@example.org',
      'Subject: dots',
      'Date: Thu, 03 Dec 2026 10:00:00 +0000',
      'Message-ID: <dots-1@shop.example>',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      '.leading dot',
      '..two dots',
      '. a dot and a space',
      'a line that ends in a bare CR\rnext',
      'last line',
      '',
    ];
    // (A line of a lone "." between bare LFs is what smuggling sends: refused, see relay-hardening.)
    const lf = body.join('\n');
    // On the wire a line that starts with "." gets one more (RFC 5321 §4.5.2); the relay takes it off.
    const stuffed = lf.replace(/^\./gm, '..');
    const talk = await smtpTalk(relay.port);
    expect(await talk.command('EHLO app.example')).toMatch(/^250-/);
    expect(await talk.command(`AUTH PLAIN ${plainAuth(relay.username, relay.password)}`)).toMatch(/^235 /);
    expect(await talk.command('MAIL FROM:<orders@shop.example>')).toMatch(/^250 /);
    expect(await talk.command('RCPT TO:<anna@example.org>')).toMatch(/^250 /);
    expect(await talk.command('DATA')).toMatch(/^354 /);
    // The last line's own LF gives way to the CRLF of the terminator.
    talk.write(`${stuffed.slice(0, -1)}\r\n.\r\n`);
    const answer = await talk.reply();
    expect(answer).toMatch(/^250 2\.0\.0 Ok: queued as msg_/);
    talk.end();

    relay.engine.startWorker();
    await relay.sink.waitForMessages(1);
    // The receiving server sees the stored message; the terminating CRLF of the data belongs to the last line.
    const expected = Buffer.from(`${lf.replace(/\r(?!\n)|\n/g, '\r\n')}`, 'latin1');
    expect(relay.sink.messages[0]!.raw.toString('latin1')).toBe(expected.toString('latin1'));
  });

  it('sends in the credential\'s lane and through its server, and refuses a From it may not use', async () => {
    relay = await startRelay(kind, { credential: { allowFrom: 'news@shop.example, shop.example', lane: 'bulk', server: 'outbound' } });
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: relay.port, secure: false, auth: { user: relay.username, pass: relay.password }, tls: { ca: relay.certs.caCert, servername: 'localhost' } });
    const sent = await transport.sendMail({ from: 'news@shop.example', to: 'anna@example.org', subject: 'News', text: 'Hi' });
    const id = /queued as (\S+)/.exec(sent.response)![1]!;
    const db = relay.engine.app.store.db;
    const message = await db.selectFrom('messages').select(['requested_server_id', 'smtp_credential_id']).where('id', '=', id).executeTakeFirstOrThrow();
    const server = await db.selectFrom('servers').select('id').where('name', '=', 'outbound').executeTakeFirstOrThrow();
    expect(message.requested_server_id).toBe(server.id);
    expect(message.smtp_credential_id).not.toBeNull();
    expect((await db.selectFrom('recipients').select('priority').where('message_id', '=', id).executeTakeFirstOrThrow()).priority).toBe(1);

    // Envelope sender outside what it may use: refused at MAIL FROM.
    await expect(transport.sendMail({ envelope: { from: 'ceo@other.example', to: 'anna@example.org' }, from: 'news@shop.example', to: 'anna@example.org', subject: 'x', text: 'x' })).rejects.toMatchObject({
      response: '553 5.7.1 Sender address rejected: not allowed to send as ceo@other.example',
    });
    // A From header outside it, under an allowed envelope sender: refused at the end of DATA.
    await expect(transport.sendMail({ envelope: { from: 'news@shop.example', to: 'anna@example.org' }, from: 'ceo@other.example', to: 'anna@example.org', subject: 'x', text: 'x' })).rejects.toMatchObject({
      response: '553 5.7.1 Sender address rejected: not allowed to send as ceo@other.example',
    });
    // Revoked: refused at the next login.
    await revokeSmtpCredential(relay.engine.app, relay.username);
    await expect(transport.sendMail({ from: 'news@shop.example', to: 'anna@example.org', subject: 'x', text: 'x' })).rejects.toMatchObject({
      response: '535 5.7.8 Authentication credentials invalid',
    });
    transport.close();
    expect(await relay.queued()).toBe(1);
  });
});
