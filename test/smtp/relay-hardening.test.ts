/**
 * The relay against abuse, over raw sockets with the exact answers: never an open relay (no
 * AUTH, address tricks, after a failed AUTH), SMTP smuggling, early talkers, over-long lines,
 * size and recipient limits, AUTH failures per IP and connections per IP.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { plainAuth, smtpTalk } from '../helpers/smtp-talk.js';
import { loggedIn, startRelay, type Relay } from './relay-harness.js';

describe('SMTP relay hardening', () => {
  let relay: Relay;
  afterEach(async () => relay?.close());

  it('refuses every recipient without AUTH, with address tricks and after a failed AUTH; nothing is queued', async () => {
    relay = await startRelay('sqlite');
    const tricks = ['anna@example.org', 'anna%example.org@shop.example', '@relay.example:anna@example.org', '"anna@example.org"@shop.example', 'anna@[192.0.2.1]', 'example.org!anna@shop.example'];
    const talk = await smtpTalk(relay.port);
    await talk.command('EHLO spammer.example');
    expect(await talk.command('MAIL FROM:<orders@shop.example>')).toBe('530 5.7.0 Authentication required');
    for (const address of tricks) expect(await talk.command(`RCPT TO:<${address}>`), address).toBe('530 5.7.0 Authentication required');
    talk.end();
    // (A session gets ten commands without AUTH, then 421: a new one for the rest.)
    const failed = await smtpTalk(relay.port);
    await failed.command('EHLO spammer.example');
    expect(await failed.command(`AUTH PLAIN ${plainAuth(relay.username, 'wrong password')}`)).toBe('535 5.7.8 Authentication credentials invalid');
    expect(await failed.command('MAIL FROM:<orders@shop.example>')).toBe('530 5.7.0 Authentication required');
    expect(await failed.command('RCPT TO:<anna@example.org>')).toBe('530 5.7.0 Authentication required');
    expect(await failed.command('DATA')).toBe('530 5.7.0 Authentication required');
    failed.end();

    // Logged in, the tricks that ask the next host to relay on are refused by name.
    const user = await loggedIn(relay);
    expect(await user.command('MAIL FROM:<orders@shop.example>')).toMatch(/^250 /);
    expect(await user.command('RCPT TO:<anna%example.org@shop.example>')).toBe('553 5.1.3 Recipient address rejected: anna%example.org@shop.example: "%" and "!" routing in the local part is not accepted');
    expect(await user.command('RCPT TO:<example.org!anna@shop.example>')).toBe('553 5.1.3 Recipient address rejected: example.org!anna@shop.example: "%" and "!" routing in the local part is not accepted');
    expect(await user.command('RCPT TO:<anna@[192.0.2.1]>')).toBe('553 5.1.3 Recipient address rejected: anna@[192.0.2.1] is not a valid address');
    user.end();
    expect(await relay.queued()).toBe(0);
  });

  it('answers the same to an unknown user and a wrong password, and 421 once an IP failed too often', async () => {
    relay = await startRelay('sqlite', { smtp: { authFailuresPerIp: 3 } });
    const talk = await smtpTalk(relay.port);
    await talk.command('EHLO guesser.example');
    expect(await talk.command(`AUTH PLAIN ${plainAuth('smtp_nobody', 'x')}`)).toBe('535 5.7.8 Authentication credentials invalid');
    expect(await talk.command(`AUTH PLAIN ${plainAuth(relay.username, 'x')}`)).toBe('535 5.7.8 Authentication credentials invalid');
    expect(await talk.command(`AUTH PLAIN ${plainAuth(relay.username, 'y')}`)).toBe('535 5.7.8 Authentication credentials invalid');
    // Even the right password is refused now, from this IP.
    expect(await talk.command(`AUTH PLAIN ${plainAuth(relay.username, relay.password)}`)).toMatch(/^421 4\.7\.0 Too many failed logins from 127\.0\.0\.1; try again after \d\d:\d\d UTC$/);
    await talk.closed();
    expect(await relay.queued()).toBe(0);
  });

  it.each([
    ['<LF>.<LF>', 'body\n.\n'],
    ['<LF>.<CR><LF>', 'body\n.\r\n'],
    ['<CR><LF>.<LF>', 'body\r\n.\n'],
    ['<CR>.<CR>', 'body\r.\r'],
    ['<CR>.<CR><LF>', 'body\r.\r\n'],
    ['<CR><LF>.<CR>', 'body\r\n.\r'],
  ])('refuses the whole message when it smuggles an end of data as %s', async (spelled, fake) => {
    relay = await startRelay('sqlite');
    const talk = await loggedIn(relay);
    await talk.command('MAIL FROM:<orders@shop.example>');
    await talk.command('RCPT TO:<anna@example.org>');
    expect(await talk.command('DATA')).toMatch(/^354 /);
    talk.write(`From: orders@shop.example\r\nTo: anna@example.org\r\nSubject: one\r\n\r\n${fake}MAIL FROM:<orders@shop.example>\r\nRCPT TO:<victim@example.org>\r\nDATA\r\nFrom: orders@shop.example\r\nSubject: smuggled\r\n\r\nsecond\r\n.\r\n`);
    expect(await talk.reply()).toBe(`550 5.6.0 Message refused: a line "${spelled}" looks like the end of data to some servers (SMTP smuggling); send lines ending in CRLF`);
    // Nothing was left over to run as commands: the session goes on from a clean state.
    expect(await talk.command('NOOP')).toMatch(/^250 /);
    talk.end();
    expect(await relay.queued()).toBe(0);
  });

  it('hangs up on a client that talks before the greeting, and discards what it sent', async () => {
    relay = await startRelay('sqlite');
    const talk = await smtpTalk(relay.port, { waitGreeting: false });
    talk.write(`EHLO early.example\r\nAUTH PLAIN ${plainAuth(relay.username, relay.password)}\r\nMAIL FROM:<orders@shop.example>\r\n`);
    expect(await talk.reply()).toMatch(/^421 .*You talk too soon$/);
    await talk.closed();
    expect(await relay.queued()).toBe(0);
  });

  it('answers 500 to a command line over 512 octets, 552 to a size over the limit and 452 past the recipient limit', async () => {
    relay = await startRelay('sqlite', { smtp: { maxMessageBytes: 10_000, maxRecipients: 2 } });
    const talk = await loggedIn(relay);
    expect(await talk.command(`MAIL FROM:<${'a'.repeat(520)}@shop.example>`)).toBe('500 5.5.2 Line too long: a command line may be at most 512 octets with its CRLF (RFC 5321 4.5.3.1.4)');
    expect(await talk.command('NOOP')).toMatch(/^250 /);
    expect(await talk.command('MAIL FROM:<orders@shop.example> SIZE=20000')).toMatch(/^552 5\.3\.4 /);
    expect(await talk.command('MAIL FROM:<orders@shop.example>')).toMatch(/^250 /);
    expect(await talk.command('RCPT TO:<a@example.org>')).toMatch(/^250 /);
    expect(await talk.command('RCPT TO:<b@example.org>')).toMatch(/^250 /);
    expect(await talk.command('RCPT TO:<c@example.org>')).toBe('452 4.5.3 Error: too many recipients');
    expect(await talk.command('DATA')).toMatch(/^354 /);
    talk.write(`From: orders@shop.example\r\nSubject: big\r\n\r\n${'x'.repeat(76)}\r\n`.repeat(200) + '.\r\n');
    expect(await talk.reply()).toBe('552 5.3.4 Message too big: at most 10000 bytes');
    talk.end();
    expect(await relay.queued()).toBe(0);
  });

  it('offers AUTH only after STARTTLS, and forgets commands pipelined behind STARTTLS', async () => {
    relay = await startRelay('sqlite', { smtp: { loopbackPlainAuth: false } });
    const talk = await smtpTalk(relay.port);
    const ehlo = await talk.command('EHLO app.example');
    expect(ehlo).toContain('250-STARTTLS');
    expect(ehlo).not.toContain('AUTH');
    expect(await talk.command(`AUTH PLAIN ${plainAuth(relay.username, relay.password)}`)).toMatch(/^538 /);
    // CVE-2011-0411: commands sent in clear text right behind STARTTLS must not run inside TLS.
    talk.write('STARTTLS\r\nRSET\r\nMAIL FROM:<orders@shop.example>\r\n');
    expect(await talk.reply()).toMatch(/^220 /);
    // No answer to RSET or MAIL: they were thrown away with the clear-text buffer.
    await new Promise((r) => setTimeout(r, 50));
    expect(talk.pending()).toBe('');
    talk.end();
    const secured = await smtpTalk(relay.port);
    await secured.command('EHLO app.example');
    await secured.startTls(relay.certs.caCert);
    expect(await secured.command('EHLO app.example')).toMatch(/250-AUTH PLAIN LOGIN/);
    expect(await secured.command(`AUTH PLAIN ${plainAuth(relay.username, relay.password)}`)).toBe('235 2.7.0 Authentication successful');
    secured.end();
  });

  it('disconnects an idle client, and a busy one whose session outlasts the time limit', async () => {
    relay = await startRelay('sqlite', { smtp: { idleTimeoutMs: 300, sessionTimeoutMs: 1_000 } });
    const idle = await smtpTalk(relay.port);
    expect(await idle.reply(3_000)).toMatch(/^421 4\.4\.2 .*Timeout - closing connection$/);
    await idle.closed();
    // A client that keeps the line busy, never idle for long, still hits the session limit.
    const slow = await loggedIn(relay);
    let answer = '';
    for (let i = 0; i < 40 && !answer.startsWith('421'); i++) {
      answer = await slow.command('NOOP');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(answer).toBe('421 4.4.2 Session time limit reached, closing connection');
    await slow.closed();
  });

  it('refuses a connection past the per-IP limit with 421', async () => {
    relay = await startRelay('sqlite', { smtp: { maxConnectionsPerIp: 2 } });
    const a = await smtpTalk(relay.port);
    const b = await smtpTalk(relay.port);
    const c = await smtpTalk(relay.port, { waitGreeting: false });
    expect(await c.reply()).toBe('421 4.7.0 Too many connections from 127.0.0.1; at most 2 at a time');
    await c.closed();
    a.end();
    b.end();
  });
});
