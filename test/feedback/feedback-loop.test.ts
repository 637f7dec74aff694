/**
 * The feedback loop end to end, on each test database: a campaign goes out through a real local
 * SMTP server with VERP return paths; a DSN for one recipient and an ARF complaint for another
 * come back over SMTP to the inbound listener; the recipients end `bounced` and `complained`,
 * the addresses are suppressed, and the next campaign and a transactional message skip them.
 * A synchronous 550 "no such user" suppresses too. The listener refuses to relay.
 */
import { Readable, Writable } from 'node:stream';
import { createConnection } from 'node:net';
import nodemailer from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
import { testDatabaseKinds, type TestDatabaseKind } from '../helpers/databases.js';
import { createEngine, smtpServer, type Engine } from '../helpers/engine.js';
import { startSink, type Sink, type SinkMessage } from '../helpers/smtp-sink.js';
import { advanceCampaigns, createCampaign, createList, findCampaign, importContacts, startCampaign, writeCampaignReport } from '../../src/campaigns/index.js';
import { setSetting } from '../../src/servers/index.js';
import { startInboundServer, type InboundServer } from '../../src/feedback/inbound-server.js';
import { loadBounceRules } from '../../src/feedback/bounce-rules.js';
import { addMailbox } from '../../src/feedback/manage-mailboxes.js';
import { mailtoUnsubscriber } from '../../src/feedback/mailto-unsubscribe.js';
import { pollOnce } from '../../src/feedback/poll-mailboxes.js';
import { dovecotAvailable, startDovecot } from '../helpers/dovecot.js';

const BOUNCE_DOMAIN = 'bounces.example.com';

async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A DSN as Postfix writes one (RFC 3464), the original's headers attached. */
function dsnFor(original: SinkMessage, to: string): string {
  const headers = original.raw.toString('latin1').split('\r\n\r\n')[0];
  return [
    'From: MAILER-DAEMON@mx.example.org (Mail Delivery System)',
    `To: ${to}`,
    'Subject: Undelivered Mail Returned to Sender',
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="B1"',
    '',
    '--B1',
    'Content-Type: text/plain',
    '',
    'I\'m sorry to have to inform you that your message could not be delivered to one or more recipients.',
    '',
    `<${original.to[0]}>: host mx.example.org[192.0.2.1] said: 550 5.1.1 <${original.to[0]}>: Recipient address rejected: User unknown in local recipient table`,
    '',
    '--B1',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.example.org',
    '',
    `Final-Recipient: rfc822; ${original.to[0]}`,
    'Action: failed',
    'Status: 5.1.1',
    'Remote-MTA: dns; mx.example.org',
    `Diagnostic-Code: smtp; 550 5.1.1 <${original.to[0]}>: Recipient address rejected: User unknown in local recipient table`,
    '',
    '--B1',
    'Content-Type: text/rfc822-headers',
    '',
    headers,
    '',
    '--B1--',
    '',
  ].join('\r\n');
}

/** An ARF report (RFC 5965) as a mailbox provider's feedback loop sends it, to a plain address: no VERP. */
function arfFor(original: SinkMessage): string {
  const headers = original.raw.toString('latin1').split('\r\n\r\n')[0];
  return [
    'From: staff@hotmail.example',
    `To: fbl@${BOUNCE_DOMAIN}`,
    'Subject: complaint about message from 192.0.2.7',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=feedback-report; boundary="A1"',
    '',
    '--A1',
    'Content-Type: text/plain',
    '',
    'This is an email abuse report for an email message received from IP 192.0.2.7.',
    '',
    '--A1',
    'Content-Type: message/feedback-report',
    '',
    'Feedback-Type: abuse',
    'User-Agent: SomeGenerator/1.0',
    'Version: 1',
    'Source-IP: 192.0.2.7',
    `Original-Rcpt-To: ${original.to[0]}`,
    '',
    '--A1',
    'Content-Type: text/rfc822-headers',
    '',
    headers,
    '',
    '--A1--',
    '',
  ].join('\r\n');
}

/** Sends raw lines one by one to an SMTP server and returns each answer's first line. */
async function talk(port: number, lines: string[]): Promise<string[]> {
  const socket = createConnection({ host: '127.0.0.1', port });
  const answers: string[] = [];
  let buffer = '';
  let wake: (() => void) | null = null;
  socket.on('data', (chunk) => {
    buffer += chunk.toString();
    wake?.();
  });
  const next = async (): Promise<string> => {
    for (;;) {
      // A reply ends at a line "NNN text" (a space after the code, RFC 5321 §4.2.1).
      const match = /^(\d{3}) .*\r\n/m.exec(buffer);
      if (match) {
        const end = match.index + match[0].length;
        const reply = buffer.slice(0, end);
        buffer = buffer.slice(end);
        return reply.trim().split('\r\n').at(-1)!;
      }
      await new Promise<void>((resolve) => (wake = resolve));
    }
  };
  answers.push(await next());
  for (const line of lines) {
    socket.write(`${line}\r\n`);
    answers.push(await next());
  }
  socket.end();
  return answers;
}

describe.each(testDatabaseKinds())('feedback loop on %s', (kind: TestDatabaseKind) => {
  let engine: Engine | undefined;
  let inbound: InboundServer | undefined;
  const sinks: Sink[] = [];
  afterEach(async () => {
    await inbound?.close();
    inbound = undefined;
    await engine?.close();
    engine = undefined;
    for (const sink of sinks.splice(0)) await sink.close();
  });

  async function setup(sinkOptions?: Parameters<typeof startSink>[0]) {
    const e = (engine = await createEngine(kind));
    const sink = await startSink(sinkOptions);
    sinks.push(sink);
    await e.addServer(smtpServer(sink.port, { name: 'relay' }));
    await setSetting(e.app.store, 'bounce_domain', BOUNCE_DOMAIN);
    const unsubscribe = mailtoUnsubscriber({ store: e.app.store, clock: e.app.clock, trackingKey: e.app.secrets.derive('tracking') });
    inbound = await startInboundServer(
      { store: e.app.store, clock: e.app.clock, log: e.app.log, bounceRules: loadBounceRules(null), verpKey: e.app.secrets.derive('verp') },
      { host: '127.0.0.1', port: 0, unsubscribe },
    );
    const list = await createList(e.app.store, e.app.clock, { name: 'Audience' });
    const csv = ['email,name', 'ana@example.org,Ana', 'gone@example.org,Gone', 'angry@example.org,Angry'].join('\n');
    await importContacts(e.app.store, e.app.clock, Readable.from([csv]), { listId: list.id });
    return { e, sink, inboundPort: inbound.port };
  }

  async function sendCampaign(e: Engine, name: string): Promise<string> {
    const campaign = await createCampaign(e.app, { name, from: 'News <news@example.com>', subject: 'Hello {{ contact.name }}', html: '<p>Hi {{ contact.name }}</p>', lists: ['Audience'] }, null);
    await startCampaign({ store: e.app.store, clock: e.app.clock, lifetimeMs: e.app.config.retry.lifetimeMs }, campaign.id, { expand: true });
    await waitFor(`${name} to finish`, async () => (await advanceCampaigns(e.app.store, e.app.clock), (await findCampaign(e.app.store, campaign.id)).status === 'finished'));
    return campaign.id;
  }

  const recipientOf = async (e: Engine, address: string, campaignId: string) =>
    e.app.store.db
      .selectFrom('recipients')
      .innerJoin('messages', 'messages.id', 'recipients.message_id')
      .selectAll('recipients')
      .where('recipients.address', '=', address)
      .where('messages.campaign_id', '=', campaignId)
      .executeTakeFirstOrThrow();

  it('a DSN makes the recipient bounced and suppressed, an ARF report complained and suppressed; the next campaign skips both', async () => {
    const { e, sink, inboundPort } = await setup();
    e.startWorker();
    const first = await sendCampaign(e, 'First');
    expect(sink.messages.map((m) => m.to[0]).sort()).toEqual(['ana@example.org', 'angry@example.org', 'gone@example.org']);
    // Each copy left with its own signed return path.
    for (const m of sink.messages) expect(m.from).toMatch(new RegExp(`^bounce\\+rcp_[a-z0-9]+\\.[0-9a-f]{20}@${BOUNCE_DOMAIN.replace(/\./g, '\\.')}$`));

    const client = nodemailer.createTransport({ host: '127.0.0.1', port: inboundPort, secure: false, ignoreTLS: true });
    const gone = sink.messages.find((m) => m.to[0] === 'gone@example.org')!;
    const angry = sink.messages.find((m) => m.to[0] === 'angry@example.org')!;
    // The DSN goes back to the return path, as an MTA sends it: null sender, to the VERP address.
    await client.sendMail({ envelope: { from: '', to: [gone.from] }, raw: dsnFor(gone, gone.from) });
    await client.sendMail({ envelope: { from: 'staff@hotmail.example', to: [`fbl@${BOUNCE_DOMAIN}`] }, raw: arfFor(angry) });
    client.close();

    // The 250 came after the commit: everything is there at once.
    const bounced = await recipientOf(e, 'gone@example.org', first);
    expect(bounced).toMatchObject({ status: 'bounced', last_enhanced: '5.1.1' });
    const complained = await recipientOf(e, 'angry@example.org', first);
    expect(complained.status).toBe('complained');
    expect((await recipientOf(e, 'ana@example.org', first)).status).toBe('sent');

    const events = await e.app.store.db.selectFrom('events').selectAll().where('type', 'in', ['bounced', 'complained']).orderBy('id').execute();
    expect(events).toEqual([
      expect.objectContaining({ type: 'bounced', recipient: 'gone@example.org', message_id: bounced.message_id, enhanced: '5.1.1', detail: expect.stringMatching(/^userunknown \(hard\)/) }),
      expect.objectContaining({ type: 'complained', recipient: 'angry@example.org', message_id: complained.message_id, detail: 'complaint (abuse)' }),
    ]);
    const suppressions = await e.app.store.db.selectFrom('suppressions').select(['address', 'scope', 'reason', 'expires_at']).orderBy('address').execute();
    expect(suppressions).toEqual([
      { address: 'angry@example.org', scope: '', reason: 'complaint', expires_at: null },
      { address: 'gone@example.org', scope: '', reason: 'hard-bounce', expires_at: null },
    ]);
    const contacts = await e.app.store.db.selectFrom('contacts').select(['email', 'status']).orderBy('email').execute();
    expect(contacts).toEqual([
      { email: 'ana@example.org', status: 'subscribed' },
      { email: 'angry@example.org', status: 'complained' },
      { email: 'gone@example.org', status: 'bounced' },
    ]);
    const feedback = await e.app.store.db.selectFrom('feedback').select(['kind', 'reason', 'hard', 'address', 'campaign_id', 'source']).orderBy('kind').execute();
    expect(feedback).toEqual([
      { kind: 'bounce', reason: 'userunknown', hard: 1, address: 'gone@example.org', campaign_id: first, source: 'inbound' },
      { kind: 'complaint', reason: 'feedback', hard: 0, address: 'angry@example.org', campaign_id: first, source: 'inbound' },
    ]);
    expect(await e.app.store.db.selectFrom('inbound_messages').select(['kind', 'rcpt_to']).orderBy('received_at').execute()).toEqual([
      { kind: 'bounce', rcpt_to: JSON.stringify([gone.from]) },
      { kind: 'complaint', rcpt_to: JSON.stringify([`fbl@${BOUNCE_DOMAIN}`]) },
    ]);

    // The campaign's report says what came back for whom.
    const chunks: string[] = [];
    const out = new Writable({ write: (chunk: Buffer, _encoding, done) => (chunks.push(chunk.toString()), done()) });
    await writeCampaignReport(e.app.store, await findCampaign(e.app.store, first), out);
    const report = chunks.join('').trim().split('\r\n').map((line) => line.split(','));
    const columns = report[0]!;
    const row = (address: string) => Object.fromEntries(columns.map((c, i) => [c, report.find((r) => r[0] === address)![i]]));
    expect(row('gone@example.org')).toMatchObject({ status: 'bounced', bounce_reason: 'userunknown', bounce: 'hard', opened: '0' });
    expect(row('angry@example.org')).toMatchObject({ status: 'complained', bounce_reason: '', bounce: '' });

    // The next campaign goes to Ana only; a transactional message to the bounced address is not sent.
    sink.messages.length = 0;
    await sendCampaign(e, 'Second');
    const direct = await e.enqueue({ from: 'shop@example.com', to: ['gone@example.org'], subject: 'Your order', text: 'Thanks' });
    await e.waitForStatus([direct], ['suppressed']);
    expect(sink.messages.map((m) => m.to[0])).toEqual(['ana@example.org']);
    const shown = await e.message(direct);
    expect(shown.recipients[0]).toMatchObject({ status: 'suppressed' });
    expect(shown.events.at(-1)).toMatchObject({ type: 'suppressed', detail: expect.stringContaining('hard-bounce') });
  });

  it('a mailto unsubscribe from List-Unsubscribe unsubscribes the contact; a forged one is refused', async () => {
    const { e, sink, inboundPort } = await setup();
    e.startWorker();
    await sendCampaign(e, 'First');
    const ana = sink.messages.find((m) => m.to[0] === 'ana@example.org')!;
    const header = /^List-Unsubscribe:(.*(?:\r\n[ \t].*)*)/im.exec(ana.raw.toString('latin1'))![1]!.replace(/\r\n[ \t]/g, ' ');
    const mailto = /<mailto:([^>]+)>/.exec(header)![1]!;
    expect(mailto).toMatch(new RegExp(`^unsubscribe\\+[0-9a-z_.]+@${BOUNCE_DOMAIN.replace(/\./g, '\\.')}$`));
    expect(/^List-Unsubscribe-Post:/im.test(ana.raw.toString('latin1'))).toBe(false); // one-click needs the https link, and no tracking base is set
    const forged = await talk(inboundPort, ['EHLO mx.example.org', 'MAIL FROM:<ana@example.org>', `RCPT TO:<${mailto.replace(/.@/, (m) => (m[0] === '0' ? '1' : '0') + '@')}>`]);
    expect(forged[3]).toBe('550 5.1.1 Unknown unsubscribe address');
    const client = nodemailer.createTransport({ host: '127.0.0.1', port: inboundPort, secure: false, ignoreTLS: true });
    await client.sendMail({ from: 'ana@example.org', to: mailto.toUpperCase().replace(/@.*/, (d) => d.toLowerCase()), subject: 'unsubscribe', text: 'unsubscribe' });
    client.close();
    expect(await e.app.store.db.selectFrom('contacts').select('status').where('email', '=', 'ana@example.org').executeTakeFirstOrThrow()).toEqual({ status: 'unsubscribed' });
    expect(await e.app.store.db.selectFrom('suppressions').select(['address', 'reason']).execute()).toEqual([{ address: 'ana@example.org', reason: 'unsubscribe' }]);
    expect(await e.app.store.db.selectFrom('events').select(['type', 'recipient']).where('type', '=', 'unsubscribed').execute()).toEqual([{ type: 'unsubscribed', recipient: 'ana@example.org' }]);
  });

  it('a delay notice (Action: delayed) is kept as such: the recipient stays sent, nothing is suppressed', async () => {
    const { e, sink, inboundPort } = await setup();
    await setSetting(e.app.store, 'soft_bounce_limit', '1');
    e.startWorker();
    const id = await e.enqueue({ from: 'shop@example.com', to: ['slow@example.org'], subject: 'Order', text: 'Thanks' });
    await e.waitForStatus([id], ['sent']);
    const sent = sink.messages[0]!;
    const client = nodemailer.createTransport({ host: '127.0.0.1', port: inboundPort, secure: false, ignoreTLS: true });
    for (const n of [1, 2]) {
      const delayed = dsnFor(sent, sent.from).replace('Action: failed', 'Action: delayed').replace(/5\.1\.1/g, '4.4.1').replace('Subject: Undelivered', `Subject: (${n}) Delayed`);
      await client.sendMail({ envelope: { from: '', to: [sent.from] }, raw: delayed });
    }
    client.close();
    expect((await e.message(id)).recipients[0]).toMatchObject({ status: 'sent' });
    expect(await e.app.store.db.selectFrom('feedback').select(['kind', 'hard']).execute()).toEqual([
      { kind: 'delayed', hard: 0 },
      { kind: 'delayed', hard: 0 },
    ]);
    expect(await e.app.store.db.selectFrom('suppressions').selectAll().execute()).toEqual([]);
  });

  it('a synchronous 550 "user unknown" suppresses the address; a 552 mailbox full does not (one soft bounce)', async () => {
    const { e } = await setup({ script: { rcpt: (to) => (to.startsWith('gone') ? { code: 550, text: '5.1.1 <gone@example.org>: Recipient address rejected: User unknown' } : to.startsWith('ana') ? { code: 552, text: '5.2.2 Mailbox full, over quota' } : undefined) } });
    e.startWorker();
    const ids = [await e.enqueue({ from: 'shop@example.com', to: ['gone@example.org'], subject: 'A', text: 'a' }), await e.enqueue({ from: 'shop@example.com', to: ['ana@example.org'], subject: 'B', text: 'b' })];
    await e.waitForStatus(ids, ['failed']);
    const feedback = await e.app.store.db.selectFrom('feedback').select(['address', 'reason', 'hard', 'source', 'code']).orderBy('address').execute();
    expect(feedback).toEqual([
      { address: 'ana@example.org', reason: 'mailboxfull', hard: 0, source: 'smtp', code: 552 },
      { address: 'gone@example.org', reason: 'userunknown', hard: 1, source: 'smtp', code: 550 },
    ]);
    expect(await e.app.store.db.selectFrom('suppressions').select(['address', 'reason']).execute()).toEqual([{ address: 'gone@example.org', reason: 'hard-bounce' }]);
    expect((await e.message(ids[0]!)).events.at(-1)).toMatchObject({ type: 'failed', detail: expect.stringContaining('[userunknown, hard bounce]') });
  });

  it('soft bounces suppress once there are enough within the window, for a while', async () => {
    const { e } = await setup({ script: { rcpt: () => ({ code: 552, text: '5.2.2 Mailbox full' }) } });
    await setSetting(e.app.store, 'soft_bounce_limit', '2');
    e.startWorker();
    const a = await e.enqueue({ from: 'shop@example.com', to: ['full@example.org'], subject: 'A', text: 'a' });
    await e.waitForStatus([a], ['failed']);
    expect(await e.app.store.db.selectFrom('suppressions').selectAll().execute()).toEqual([]);
    const b = await e.enqueue({ from: 'shop@example.com', to: ['full@example.org'], subject: 'B', text: 'b' });
    await e.waitForStatus([b], ['failed']);
    const [entry] = await e.app.store.db.selectFrom('suppressions').selectAll().execute();
    expect(entry).toMatchObject({ address: 'full@example.org', reason: 'soft-bounce', detail: expect.stringContaining('2 soft bounces within 7 days') });
    expect(entry!.expires_at! - entry!.created_at).toBe(30 * 86_400_000);
  });

  it.skipIf(!dovecotAvailable())('a DSN read from a polled IMAP mailbox bounces the recipient; the same DSN twice is applied once', async () => {
    const { e, sink } = await setup();
    const dovecot = await startDovecot();
    try {
      e.startWorker();
      const id = await e.enqueue({ from: 'shop@example.com', to: ['gone@example.org'], subject: 'Your order', text: 'Thanks' });
      await e.waitForStatus([id], ['sent']);
      const sent = sink.messages[0]!;
      dovecot.seed(dsnFor(sent, sent.from));
      const row = await addMailbox(e.app, { name: 'bounces', protocol: 'imap', host: '127.0.0.1', port: dovecot.imapPort, security: 'none', username: dovecot.user, password: dovecot.password, afterProcessing: 'move' });
      const ctx = { store: e.app.store, clock: e.app.clock, log: e.app.log, secrets: e.app.secrets, bounceRules: loadBounceRules(null), verpKey: e.app.secrets.derive('verp') };
      expect(await pollOnce(ctx, row)).toEqual({ ok: true, result: { processed: 1, failed: 0, errors: [] } });
      expect(dovecot.list()).toBe(0);
      expect(dovecot.list('Processed')).toBe(1);
      expect((await e.message(id)).recipients[0]).toMatchObject({ status: 'bounced' });
      expect(await e.app.store.db.selectFrom('suppressions').select(['address', 'reason']).execute()).toEqual([{ address: 'gone@example.org', reason: 'hard-bounce' }]);
      // Handed over again (a poll cut off before its move): recognised, not applied twice.
      dovecot.seed(dsnFor(sent, sent.from));
      expect(await pollOnce(ctx, row)).toMatchObject({ ok: true, result: { processed: 1 } });
      expect(await e.app.store.db.selectFrom('feedback').select('id').execute()).toHaveLength(1);
      const polled = await e.app.store.db.selectFrom('mailboxes').select(['last_result', 'last_polled_at']).executeTakeFirstOrThrow();
      expect(polled.last_result).toBe('1 processed');
    } finally {
      await dovecot.stop();
    }
  });

  it('refuses to relay: external recipients and address tricks get 550, nothing is stored', async () => {
    const { e, inboundPort } = await setup();
    const refused = async (rcpt: string) => (await talk(inboundPort, ['EHLO client.example', 'MAIL FROM:<someone@example.net>', `RCPT TO:${rcpt}`, 'QUIT']))[3]!;
    for (const rcpt of [
      '<victim@example.net>',
      `<victim%example.net@${BOUNCE_DOMAIN}>`,
      `<@${BOUNCE_DOMAIN}:victim@example.net>`,
      `<"victim@example.net"@${BOUNCE_DOMAIN}>`,
      `<"bounce+x"@${BOUNCE_DOMAIN}>`,
      `<victim@[192.0.2.1]>`,
      `<victim@example.net.${BOUNCE_DOMAIN}.example.net>`,
      `<someone@${BOUNCE_DOMAIN}>`,
    ]) {
      expect(await refused(rcpt), rcpt).toMatch(/^5\d\d /);
    }
    expect(await refused('<victim@example.net>')).toBe('550 5.7.1 Relay access denied: not an address of this server');
    // Ours is taken; the data of a refused-only transaction is refused too.
    const answers = await talk(inboundPort, ['EHLO client.example', 'MAIL FROM:<>', 'RCPT TO:<victim@example.net>', 'DATA']);
    expect(answers[4]).toMatch(/^503 /);
    expect(await e.app.store.db.selectFrom('inbound_messages').selectAll().execute()).toEqual([]);
    expect(await e.app.store.db.selectFrom('messages').selectAll().execute()).toEqual([]);
    const ours = await talk(inboundPort, ['EHLO client.example', 'MAIL FROM:<>', `RCPT TO:<postmaster@${BOUNCE_DOMAIN}>`]);
    expect(ours[3]).toMatch(/^250 /);
  });
});
