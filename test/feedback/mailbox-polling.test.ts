/**
 * Mailbox polling against a real dovecot (test/helpers/dovecot.ts): IMAP move and delete, POP3
 * delete, a handle that rejects, wrong password, connection refused, STARTTLS and implicit TLS
 * with the test CA, and the poller loop. A handle here collects the raw messages; they must be
 * the seeded bytes, with CRLF line ends.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { pollMailbox, startMailboxPoller, MailboxError, type MailboxConfig, type PollOutcome } from '../../src/feedback/mailbox-poller.js';
import { toCrlf } from '../../src/lib/line-ends.js';
import { dovecotAvailable, startDovecot, type Dovecot } from '../helpers/dovecot.js';
import { waitUntil } from '../helpers/processes.js';
import { freePort as closedPort } from '../helpers/ports.js';

// One with a line that starts with "." (dot-stuffed by POP3, RFC 1939 §3) and 8-bit bytes.
const messages = [1, 2, 3].map((n) =>
  Buffer.concat([
    Buffer.from(`From: mailer-daemon@example.org\nTo: bounces@example.com\nSubject: bounce ${n}\nMessage-ID: <${n}@example.org>\n\nline one\n.starts with a dot\n..two dots\n`),
    Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]),
  ]),
);

describe.skipIf(!dovecotAvailable())('mailbox polling against dovecot', () => {
  let dovecot: Dovecot;
  beforeEach(async () => {
    dovecot = await startDovecot();
  });
  afterEach(async () => {
    await dovecot?.stop();
  });

  const config = (protocol: 'imap' | 'pop3', extra: Partial<MailboxConfig> = {}): MailboxConfig => ({
    protocol,
    host: '127.0.0.1',
    port: protocol === 'imap' ? dovecot.imapPort : dovecot.pop3Port,
    security: 'none',
    tlsVerify: true,
    username: dovecot.user,
    password: dovecot.password,
    afterProcessing: 'delete',
    ...extra,
  });
  const collector = (): { received: Buffer[]; handle: (raw: Buffer) => Promise<void> } => {
    const received: Buffer[] = [];
    return { received, handle: async (raw) => void received.push(raw) };
  };
  const seedAll = (): void => messages.forEach((raw) => dovecot.seed(raw));

  it('IMAP with move: every message is handed over byte for byte, then sits in Processed', async () => {
    seedAll();
    const { received, handle } = collector();
    const result = await pollMailbox(config('imap', { afterProcessing: 'move' }), handle);
    expect(result).toEqual({ processed: 3, failed: 0, errors: [] });
    expect(received).toEqual(messages.map(toCrlf));
    expect(dovecot.list()).toBe(0);
    expect(dovecot.list('Processed')).toBe(3);
    // The next poll finds the inbox empty and the existing Processed folder is fine.
    expect(await pollMailbox(config('imap', { afterProcessing: 'move' }), handle)).toEqual({ processed: 0, failed: 0, errors: [] });
  });

  it('IMAP with delete, from another folder, at most maxMessages per poll', async () => {
    messages.forEach((raw) => dovecot.seed(raw, 'Bounces'));
    const { received, handle } = collector();
    expect(await pollMailbox(config('imap', { folder: 'Bounces' }), handle, { maxMessages: 2 })).toMatchObject({ processed: 2 });
    expect(dovecot.list('Bounces')).toBe(1);
    expect(await pollMailbox(config('imap', { folder: 'Bounces' }), handle)).toMatchObject({ processed: 1 });
    expect(received).toEqual(messages.map(toCrlf));
    expect(dovecot.list('Bounces')).toBe(0);
    expect(dovecot.list('Processed')).toBe(0);
  });

  it('POP3 with delete: RETR is dot-unstuffed, DELE takes effect at QUIT', async () => {
    const { received, handle } = collector();
    expect(await pollMailbox(config('pop3'), handle)).toEqual({ processed: 0, failed: 0, errors: [] });
    seedAll();
    expect(await pollMailbox(config('pop3'), handle)).toEqual({ processed: 3, failed: 0, errors: [] });
    expect(received).toEqual(messages.map(toCrlf));
    expect(dovecot.list()).toBe(0);
    await expect(pollMailbox(config('pop3', { afterProcessing: 'move' }), handle)).rejects.toMatchObject({ step: 'config' });
  });

  for (const protocol of ['imap', 'pop3'] as const) {
    it(`${protocol}: a message whose handle rejects stays and is handled on the next poll`, async () => {
      seedAll();
      const first = await pollMailbox(config(protocol), async (raw) => {
        if (raw.includes('Subject: bounce 2')) throw new Error('database is busy');
      });
      expect(first).toMatchObject({ processed: 2, failed: 1 });
      expect(first.errors).toEqual([expect.stringMatching(/^(UID|UIDL) \S+: database is busy$/)]);
      expect(dovecot.list()).toBe(1);
      const { received, handle } = collector();
      expect(await pollMailbox(config(protocol), handle)).toEqual({ processed: 1, failed: 0, errors: [] });
      expect(received).toEqual([toCrlf(messages[1]!)]);
      expect(dovecot.list()).toBe(0);
    });

    it(`${protocol}: a wrong password is an auth error that does not contain it`, async () => {
      dovecot.seed(messages[0]!);
      const password = 'Wrong-Secret-4711';
      const error = await pollMailbox(config(protocol, { password }), collector().handle).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MailboxError);
      expect(error).toMatchObject({ step: 'auth', code: 'MAILBOX_AUTH' });
      expect((error as Error).message).toMatch(new RegExp(`^${protocol} 127\\.0\\.0\\.1:\\d+: auth: .*[Aa]uthentication failed`));
      expect(JSON.stringify({ ...(error as object), message: (error as Error).message })).not.toContain(password);
      expect(dovecot.list()).toBe(1);
    });

    it(`${protocol}: connection refused names host:port`, async () => {
      const closed = await closedPort();
      await expect(pollMailbox(config(protocol, { port: closed }), collector().handle, { timeoutMs: 5000 })).rejects.toMatchObject({
        step: 'connect',
        message: expect.stringContaining(`127.0.0.1:${closed}: connect:`) as unknown,
      });
    });

    it(`${protocol}: a server that never greets times out at connect`, async () => {
      const { createServer } = await import('node:net');
      const silent = createServer(() => undefined);
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const { port } = silent.address() as { port: number };
      try {
        await expect(pollMailbox(config(protocol, { port }), collector().handle, { timeoutMs: 300 })).rejects.toMatchObject({
          step: 'connect',
          message: expect.stringContaining(`127.0.0.1:${port}: connect:`) as unknown,
        });
      } finally {
        silent.close();
        (silent as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      }
    });

    it(`${protocol}: stopping mid-poll finishes the message being handled and starts no other`, async () => {
      seedAll();
      const stop = new AbortController();
      const { received, handle } = collector();
      const result = await pollMailbox(config(protocol), async (raw) => (stop.abort(), await new Promise((r) => setTimeout(r, 100)), handle(raw)), { signal: stop.signal });
      expect(result).toEqual({ processed: 1, failed: 0, errors: [] });
      expect(received).toEqual([toCrlf(messages[0]!)]);
      expect(dovecot.list()).toBe(2);
    });

    it(`${protocol}: STARTTLS and implicit TLS with the test CA; an unknown CA is a tls error`, async () => {
      seedAll();
      const { received, handle } = collector();
      const tls = { tlsCa: dovecot.caCert, tlsVerify: true };
      expect(await pollMailbox(config(protocol, { ...tls, security: 'starttls' }), handle, { maxMessages: 1 })).toMatchObject({ processed: 1 });
      const port = protocol === 'imap' ? dovecot.imapsPort : dovecot.pop3sPort;
      expect(await pollMailbox(config(protocol, { ...tls, security: 'tls', port }), handle)).toMatchObject({ processed: 2 });
      expect(received).toEqual(messages.map(toCrlf));
      await expect(pollMailbox(config(protocol, { security: 'starttls' }), handle)).rejects.toMatchObject({ step: 'tls' });
      await expect(pollMailbox(config(protocol, { security: 'tls', port }), handle)).rejects.toMatchObject({ step: 'tls' });
      // tlsVerify: false accepts a certificate from a CA nobody configured.
      expect(await pollMailbox(config(protocol, { security: 'tls', port, tlsVerify: false }), handle)).toMatchObject({ processed: 0 });
    });
  }

  it('the poller polls until stopped and logs a failed step without the password', async () => {
    seedAll();
    const lines: string[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const outcomes: PollOutcome[] = [];
    const { received, handle } = collector();
    const poller = startMailboxPoller(config('imap'), handle, { intervalMs: 50, log, onResult: (o) => outcomes.push(o) });
    await waitUntil(() => received.length === 3 && outcomes.length >= 2, 10_000, () => JSON.stringify(outcomes));
    dovecot.seed(messages[0]!);
    await waitUntil(() => received.length === 4, 10_000, () => `${received.length} received`);
    await poller.stop();
    expect(outcomes.every((o) => o.ok)).toBe(true);

    const wrong = startMailboxPoller(config('pop3', { password: 'Wrong-Secret-4711' }), handle, { intervalMs: 50, log, onResult: (o) => outcomes.push(o) });
    await waitUntil(() => outcomes.some((o) => !o.ok), 10_000, () => lines.join(''));
    await wrong.stop();
    const failure = lines.map((line) => JSON.parse(line) as { level: number; step?: string; server?: string; msg: string }).find((entry) => entry.level === 50);
    expect(failure).toMatchObject({ step: 'auth', server: `127.0.0.1:${dovecot.pop3Port}`, msg: expect.stringContaining('failed at auth') as unknown });
    expect(lines.join('')).not.toContain('Wrong-Secret-4711');
    expect(lines.join('')).not.toContain(dovecot.password);
  });
});

