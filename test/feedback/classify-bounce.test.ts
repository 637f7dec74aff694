/**
 * classifyBounce on synchronous answers (code, enhanced status, text) as big providers send them,
 * the rules file's errors, and a user's own rules winning over the built-in ones.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { classifyBounce, loadBounceRules, parseBounceRules } from '../../src/feedback/bounce-rules.js';
import type { BounceReason } from '../../src/feedback/types.js';

const rules = loadBounceRules(null);

type Case = [code: number | null, status: string | null, text: string, reason: BounceReason, hard: boolean];

const ANSWERS: Case[] = [
  // Gmail
  [550, '5.1.1', "The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos or unnecessary spaces.", 'userunknown', true],
  [550, '5.2.1', 'The email account that you tried to reach is disabled.', 'suspend', false],
  [552, '5.2.2', "The email account that you tried to reach is over quota. Please direct the recipient to https://support.google.com/mail/?p=OverQuotaPerm", 'mailboxfull', false],
  [550, '5.7.26', 'Unauthenticated email from example.com is not accepted due to domain\'s DMARC policy.', 'authfailure', false],
  [550, '5.7.26', 'This mail has been blocked because the sender is unauthenticated. Gmail requires all senders to authenticate with either SPF or DKIM.', 'authfailure', false],
  [421, '4.7.28', '[192.0.2.1] Our system has detected an unusual rate of unsolicited mail originating from your IP address.', 'speeding', false],
  [550, '5.7.1', 'This message is not RFC 5322 compliant. There are multiple Subject headers.', 'notcompliantrfc', false],
  [552, '5.7.0', 'This message was blocked because its content presents a potential security issue.', 'policyviolation', false],
  // Microsoft (Outlook.com, Exchange Online)
  [550, '5.5.0', 'Requested action not taken: mailbox unavailable (S2017062302)', 'userunknown', true],
  [550, '5.1.10', 'RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup', 'userunknown', true],
  [550, '5.4.1', 'Recipient address rejected: Access denied. AS(201806281)', 'userunknown', true],
  [550, '5.7.606', 'Access denied, banned sending IP [192.0.2.1]. To request removal from this list please visit https://sender.office.com/', 'blocked', false],
  [550, null, "SC-001 (BAY004-MC1F1) Unfortunately, messages from 192.0.2.1 weren't sent. Please contact your Internet service provider since part of their network is on our block list.", 'blocked', false],
  [451, '4.7.650', 'The mail server [192.0.2.1] has been temporarily rate limited due to IP reputation.', 'badreputation', false],
  [550, '5.7.509', 'Access denied, sending domain [EXAMPLE.COM] does not pass DMARC verification and has a DMARC policy of reject.', 'authfailure', false],
  [452, '4.3.2', 'Too many concurrent connections from this IP address; please try again later.', 'toomanyconn', false],
  // Yahoo / AOL
  [554, null, "delivery error: dd This user doesn't have a yahoo.com account (nobody@yahoo.com) [0] - mta1234.mail.bf1.yahoo.com", 'userunknown', true],
  [554, '5.7.9', 'Message not accepted for policy reasons. See https://senders.yahooinc.com/error-codes', 'policyviolation', false],
  [421, '4.7.0', '[TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints', 'badreputation', false],
  [421, '4.7.0', '[TS01] Messages from 192.0.2.1 temporarily deferred due to user complaints', 'badreputation', false],
  // Block lists, reverse DNS, relaying, size
  [550, '5.7.1', 'Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/192.0.2.1', 'blocked', false],
  [554, '5.7.1', 'Client host rejected: cannot find your reverse hostname, [192.0.2.1]', 'requireptr', false],
  [550, '5.7.25', 'The IP address sending this message does not have a PTR record setup.', 'requireptr', false],
  [554, '5.7.1', '<nobody@example.org>: Relay access denied', 'norelaying', false],
  [552, '5.3.4', 'Message size exceeds fixed limit', 'mesgtoobig', false],
  [452, '4.5.3', 'Too many recipients', 'exceedlimit', false],
  [421, '4.7.0', 'mx.example.com Error: too many connections from 192.0.2.1', 'toomanyconn', false],
  [450, '4.7.1', 'Client host rejected: Rate limit exceeded, try again later', 'speeding', false],
  // Postfix and others
  [550, '5.1.1', '<nobody@example.org>: Recipient address rejected: User unknown in virtual mailbox table', 'userunknown', true],
  [550, '5.1.2', '<nobody@nowhere.example>: Recipient address rejected: Domain not found', 'hostunknown', true],
  [552, '5.2.2', '<full@example.org>: Recipient address rejected: Mailbox full', 'mailboxfull', false],
  [553, '5.1.8', '<sender@example.com>: Sender address rejected: Domain not found', 'rejected', false],
  [556, '5.1.10', 'Recipient address has null MX', 'notaccept', true],
  [550, '5.7.1', 'Message rejected as spam by Content Filtering.', 'spamdetected', false],
  [554, '5.7.1', 'Virus detected: Eicar-Test-Signature', 'virusdetected', false],
  [525, '5.7.13', 'User account disabled', 'suspend', false],
  [451, '4.3.0', 'Temporary lookup failure', 'networkerror', false],
  [450, '4.2.0', '<nobody@example.org>: Recipient address rejected: Greylisted, see https://postgrey.schweikert.ch/help/example.org.html', 'blocked', false],
  [554, '5.4.6', 'Too many hops', 'networkerror', false],
  // Codes alone
  [550, '5.1.1', '', 'userunknown', true],
  [452, '4.2.2', '', 'mailboxfull', false],
  [552, null, '', 'mailboxfull', false],
  [450, '4.4.7', '', 'expired', false],
];

describe('classifyBounce', () => {
  it.each(ANSWERS)('%s %s %s → %s', (code, status, text, reason, hard) => {
    const verdict = classifyBounce(rules, { code, status, diagnostic: text });
    expect({ reason: verdict.reason, hard: verdict.hard }).toEqual({ reason, hard });
    expect(verdict.rule).toMatch(/^rules\/bounces\.txt:\d+$/);
  });

  it('reads a DSN action: delivered is delivered, delayed with no cause is expired', () => {
    expect(classifyBounce(rules, { code: 250, status: '2.0.0', diagnostic: 'Ok', action: 'delivered' })).toMatchObject({ reason: 'delivered', hard: false });
    expect(classifyBounce(rules, { code: null, status: '4.0.0', diagnostic: null, action: 'delayed' })).toMatchObject({ reason: 'expired', hard: false });
  });

  it('takes an "unknown user" in reply to DATA for a filter, unless it says 5.1.1', () => {
    expect(classifyBounce(rules, { code: 550, status: null, diagnostic: '550 Unknown user', stage: 'DATA' })).toMatchObject({ reason: 'filtered', hard: false });
    expect(classifyBounce(rules, { code: 550, status: '5.1.1', diagnostic: 'User unknown', stage: 'DATA' })).toMatchObject({ reason: 'userunknown', hard: true });
    expect(classifyBounce(rules, { code: 550, status: null, diagnostic: 'No such domain', stage: 'MAIL' })).toMatchObject({ reason: 'rejected', hard: false });
  });

  it('names nothing it does not know', () => {
    expect(classifyBounce(rules, { code: null, status: null, diagnostic: 'something odd happened' })).toEqual({ reason: 'undefined', hard: false, rule: null });
  });
});

describe('bounce rules', () => {
  it('names the file and line of a mistake', () => {
    expect(() => parseBounceRules('# fine\nuserunknown * * user unknown\nuserunknown * * (unclosed\n', 'my-bounces.txt')).toThrow(/^my-bounces\.txt:3: /);
    expect(() => parseBounceRules('nosuchreason * * text', 'my-bounces.txt')).toThrow(/^my-bounces\.txt:1: "nosuchreason" is not a reason/);
    expect(() => parseBounceRules('\n\nblocked 5x0 * text', 'my-bounces.txt')).toThrow(/^my-bounces\.txt:3: "5x0" is not a code pattern/);
    expect(() => parseBounceRules('hard userunknown 9', 'b.txt')).toThrow(/^b\.txt:1: /);
    expect(() => parseBounceRules('at HELO * userunknown filtered', 'b.txt')).toThrow(/^b\.txt:1: "HELO" is not a stage/);
  });

  const dataDir = mkdtempSync(path.join(tmpdir(), 'postroom-bounces-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("reads a user's own bounces.txt first, so it wins over the built-in rules", () => {
    const answer = { code: 550, status: '5.1.1', diagnostic: 'User unknown' };
    expect(classifyBounce(rules, answer)).toMatchObject({ reason: 'userunknown', hard: true });
    writeFileSync(path.join(dataDir, 'bounces.txt'), '# our MX says "user unknown" for its greylist\nfiltered  550  5.1.1  user unknown\nsoft userunknown *\n');
    const own = loadBounceRules(dataDir);
    expect(classifyBounce(own, answer)).toEqual({ reason: 'filtered', hard: false, rule: `${path.join(dataDir, 'bounces.txt')}:2` });
    expect(classifyBounce(own, { code: 550, status: '5.1.1', diagnostic: 'No such mailbox' })).toMatchObject({ reason: 'userunknown', hard: false });
    expect(loadBounceRules(path.join(dataDir, 'missing'))).toHaveLength(rules.length);
  });

  it('classifies quickly: the patterns are compiled once, when the rules load', () => {
    const started = performance.now();
    for (let i = 0; i < 2000; i++) classifyBounce(rules, { code: 550, status: '5.7.1', diagnostic: `Message ${i} refused for reasons nobody wrote a rule for` });
    expect((performance.now() - started) / 2000).toBeLessThan(1);
  });
});
