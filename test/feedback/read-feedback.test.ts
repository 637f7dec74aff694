/**
 * readFeedback on small hand-written messages: auto-replies (RFC 3834, Exchange, a German
 * out-of-office) are never bounces; a DSN (RFC 3464) gives the original's Message-ID from its
 * returned headers; the RFC 6533 UTF-8 forms read the same; other mail is `unknown`.
 */
import { describe, expect, it } from 'vitest';
import { loadBounceRules } from '../../src/feedback/bounce-rules.js';
import { readFeedback } from '../../src/feedback/read-report.js';

const rules = loadBounceRules(null);
const mail = (text: string) => Buffer.from(text.replace(/^\n/, '').replace(/\n/g, '\r\n'));

const RFC3834 = mail(`
From: Kijitora <Kijitora@Example.org>
To: news@sender.example
Subject: Re: Our April newsletter
Date: Thu, 29 Apr 2021 23:34:45 +0900
Message-ID: <reply-1@example.org>
In-Reply-To: <newsletter-42@sender.example>
Auto-Submitted: auto-replied
Content-Type: text/plain; charset=utf-8

I am away until Monday and will read your message then.
`);

const EXCHANGE = mail(`
From: Shironeko <shironeko@example.net>
To: news@sender.example
Subject: Automatic reply: Our April newsletter
Date: Thu, 29 Apr 2021 23:34:45 +0000
Message-ID: <8415797d@mail.example.net>
X-Auto-Response-Suppress: All
X-MS-Exchange-Inbox-Rules-Loop: shironeko@example.net
Content-Type: text/plain; charset="us-ascii"

I will be traveling for work and have intermittent access to email.
`);

const GERMAN = mail(`
From: Mike Neko <mikeneko@example.de>
To: news@sender.example
Subject: Abwesenheitsnotiz: Unser Newsletter im April
Date: Thu, 29 Apr 2021 23:34:45 +0200
Message-ID: <abw-1@example.de>
Content-Type: text/plain; charset=utf-8

Ich bin bis zum 3. Mai nicht im Büro.
`);

const DSN = mail(`
From: Mail Delivery System <MAILER-DAEMON@mx.sender.example>
To: bounces@sender.example
Subject: Undelivered Mail Returned to Sender
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

--b1
Content-Type: text/plain

<nobody@example.org>: host mx.example.org[192.0.2.25] said: 550 5.1.1
    <nobody@example.org>: Recipient address rejected: User unknown in local
    recipient table (in reply to RCPT TO command)

--b1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.sender.example
Arrival-Date: Thu, 29 Apr 2021 23:34:45 +0900

Final-Recipient: rfc822; Nobody@Example.org
Original-Recipient: rfc822; nobody@example.org
Action: failed
Status: 5.1.1
Remote-MTA: dns; mx.example.org
Diagnostic-Code: smtp; 550 5.1.1 <nobody@example.org>: Recipient address
    rejected: User unknown in local recipient table

--b1
Content-Type: text/rfc822-headers

Return-Path: <bounces@sender.example>
From: News <news@sender.example>
To: nobody@example.org
Subject: Our April newsletter
Message-ID: <abc@example.com>

--b1--
`);

const GLOBAL_DSN = mail(`
From: MAILER-DAEMON@mx.sender.example
To: bounces@sender.example
Subject: Delivery Status Notification (Failure)
MIME-Version: 1.0
Content-Type: multipart/report; report-type=global-delivery-status; boundary="g1"

--g1
Content-Type: text/plain; charset=utf-8

Delivery to the following recipient failed permanently.

--g1
Content-Type: message/global-delivery-status

Reporting-MTA: dns; mx.sender.example

Final-Recipient: utf-8; kijitora@例え.jp
Action: failed
Status: 5.2.2
Diagnostic-Code: smtp; 552 5.2.2 Mailbox full

--g1
Content-Type: message/global-headers

From: news@sender.example
To: kijitora@例え.jp
Message-ID: <global-7@sender.example>

--g1--
`);

describe('readFeedback', () => {
  it.each([
    ['RFC 3834 Auto-Submitted', RFC3834, 'kijitora@example.org'],
    ['Exchange "Automatic reply:"', EXCHANGE, 'shironeko@example.net'],
    ['German "Abwesenheitsnotiz"', GERMAN, 'mikeneko@example.de'],
  ])('reads an auto-reply (%s) as auto-reply, not a bounce', async (_name, raw, recipient) => {
    const report = await readFeedback(raw, rules);
    expect(report.kind).toBe('auto-reply');
    expect(report.recipients).toEqual([expect.objectContaining({ recipient, reason: 'vacation', hard: false })]);
  });

  it('links an auto-reply to our message through In-Reply-To', async () => {
    expect((await readFeedback(RFC3834, rules)).originalMessageId).toBe('newsletter-42@sender.example');
  });

  it('reads a DSN: the recipient, its codes, and the original from text/rfc822-headers', async () => {
    const report = await readFeedback(DSN, rules);
    expect(report.kind).toBe('bounce');
    expect(report.originalMessageId).toBe('abc@example.com');
    expect(report.originalHeaders).toMatchObject({ 'message-id': '<abc@example.com>', to: 'nobody@example.org' });
    expect(report.originalEnvelopeFrom).toBe('bounces@sender.example');
    expect(report.subject).toBe('Undelivered Mail Returned to Sender');
    expect(report.recipients).toEqual([
      {
        recipient: 'nobody@example.org',
        reason: 'userunknown',
        hard: true,
        status: '5.1.1',
        code: 550,
        diagnostic: '550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown in local recipient table',
        action: 'failed',
        remoteMta: 'mx.example.org',
      },
    ]);
  });

  it('reads the UTF-8 forms of RFC 6533 the same way', async () => {
    const report = await readFeedback(GLOBAL_DSN, rules);
    expect(report.kind).toBe('bounce');
    expect(report.originalMessageId).toBe('global-7@sender.example');
    expect(report.recipients).toEqual([expect.objectContaining({ recipient: 'kijitora@例え.jp', reason: 'mailboxfull', hard: false, status: '5.2.2', code: 552 })]);
  });

  it('reads a DSN that reports delivery as delivered', async () => {
    const delivered = Buffer.from(DSN.toString().replace('Action: failed', 'Action: delivered').replace('Status: 5.1.1', 'Status: 2.0.0'));
    const report = await readFeedback(delivered, rules);
    expect(report.kind).toBe('delivered');
    expect(report.recipients[0]).toMatchObject({ reason: 'delivered', hard: false, action: 'delivered' });
  });

  it('keeps an Exim bounce (which carries Auto-Submitted: auto-replied) a bounce', async () => {
    const exim = mail(`
From: Mail Delivery System <Mailer-Daemon@mx.sender.example>
To: news@sender.example
Subject: Mail delivery failed: returning message to sender
Auto-Submitted: auto-replied
X-Failed-Recipients: kijitora@example.org

This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  kijitora@example.org
    SMTP error from remote mail server after RCPT TO:<kijitora@example.org>:
    host mx.example.org [192.0.2.25]: 550 5.2.2 <kijitora@example.org>: Mailbox full
`);
    const report = await readFeedback(exim, rules);
    expect(report.kind).toBe('bounce');
    expect(report.recipients).toEqual([expect.objectContaining({ recipient: 'kijitora@example.org', reason: 'mailboxfull', hard: false, status: '5.2.2', code: 550 })]);
  });

  it('reads empty and binary input as unknown, without throwing', async () => {
    for (const raw of [Buffer.alloc(0), Buffer.from([0, 255, 13, 10, 13, 10, 1, 2, 3]), Buffer.from('no headers at all')]) {
      const report = await readFeedback(raw, rules);
      expect(report.kind).toBe('unknown');
      expect(report.recipients).toHaveLength(1);
    }
  });

  it('gives other mail one unknown row', async () => {
    const report = await readFeedback(mail(`
From: Someone <someone@example.org>
To: news@sender.example
Subject: Question about your product

Hello, how much does it cost?
`), rules);
    expect(report.kind).toBe('unknown');
    expect(report.recipients).toEqual([{ recipient: null, reason: 'undefined', hard: false, status: null, code: null, diagnostic: null, action: null, remoteMta: null }]);
  });
});
