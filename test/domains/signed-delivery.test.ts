/**
 * Signing on the way out, end to end: a worker delivers through a real local SMTP server, and the
 * message that arrives verifies with mailauth (an independent verifier) against a real local DNS
 * server publishing the records Postroom suggests — RSA-2048 and Ed25519, with attachments and
 * non-ASCII headers. And DMARC-aware From: a From domain publishing p=reject without a key of
 * ours goes out as the default From, signed for our domain, the original in Reply-To.
 */
import { Resolver } from 'node:dns/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { addDomain, domainKeys, rotateDomainKey, activatePendingKey } from '../../src/domains/manage-domains.js';
import { createDnsLookup } from '../../src/domains/dns.js';
import { dkimRecordText } from '../../src/domains/dkim-key.js';
import { setSetting } from '../../src/servers/index.js';
import { createEngine, smtpServer, type Engine } from '../helpers/engine.js';
import { startSink, type Sink } from '../helpers/smtp-sink.js';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.js';
import { testDatabaseKinds } from '../helpers/databases.js';

async function verified(raw: Buffer, dns: DnsServer) {
  const resolver = new Resolver();
  resolver.setServers([dns.address]);
  const result = await dkimVerify(raw, { resolver: (name: string, type: string) => resolver.resolve(name, type as 'TXT') });
  return result.results.map((r: { status: { result: string }; signingDomain: string; selector: string }) => ({ result: r.status.result, domain: r.signingDomain, selector: r.selector }));
}

/** Publishes the domain's active and pending keys in the zone. */
async function publishKeys(engine: Engine, dns: DnsServer, domainId: string, name: string) {
  for (const key of await domainKeys(engine.app.store, domainId)) {
    if (key.state !== 'retired') dns.zone[`${key.selector}._domainkey.${name}`] = [{ type: 'TXT', value: dkimRecordText(key.algorithm, key.public_key) }];
  }
}

describe.each(testDatabaseKinds())('DKIM signing on %s', (kind) => {
  let engine: Engine;
  let sink: Sink;
  let dns: DnsServer;
  afterEach(async () => {
    await engine?.close();
    await sink?.close();
    await dns?.close();
  });

  for (const algorithm of ['rsa', 'ed25519'] as const) {
    it(`signs with ${algorithm}; the message verifies after the SMTP server received it`, async () => {
      dns = await startDnsServer({});
      sink = await startSink();
      engine = await createEngine(kind, { dns: dns.address });
      await engine.addServer(smtpServer(sink.port));
      const domain = await addDomain(engine.app, { name: 'News.Example.com', selector: 'pr1', algorithm });
      await publishKeys(engine, dns, domain.id, 'news.example.com');
      const id = await engine.enqueue({
        from: 'Zoë Müller <zoe@news.example.com>',
        to: ['Jürgen <juergen@example.org>'],
        cc: ['ana@example.net'],
        replyTo: 'help@news.example.com',
        subject: 'Ünïcödé — résumé of the week ✓',
        text: 'Grüße!\n\nThe report is attached.\n',
        html: '<p>Grüße! The report is <b>attached</b>.</p>',
        attachments: [
          { filename: 'résumé.pdf', content: Buffer.alloc(40_000, 7) },
          { filename: 'data.csv', content: Buffer.from('a,b\n1,2\n') },
        ],
        headers: { 'List-Unsubscribe': '<https://news.example.com/u/1>', 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
      });
      engine.startWorker();
      await engine.waitForStatus([id], ['sent']);
      const raw = sink.messages[0]!.raw;
      expect(raw.toString('latin1')).toMatch(new RegExp(`^DKIM-Signature: v=1; a=${algorithm}-sha256; c=relaxed/relaxed; d=news\\.example\\.com; s=pr1;`));
      const signed = raw.toString('latin1').split('\r\n\r\n')[0]!;
      expect(signed).toMatch(/h=from:to:cc:subject:date:message-id:reply-to:mime-version:content-type:\s*list-unsubscribe:list-unsubscribe-post:from;|h=[^;]*list-unsubscribe[^;]*:from;/);
      expect(await verified(raw, dns)).toEqual([{ result: 'pass', domain: 'news.example.com', selector: 'pr1' }]);

      // An added From header breaks the signature (From is signed once more than it occurs).
      const doubled = Buffer.concat([Buffer.from('From: Mallory <m@evil.example>\r\n'), raw]);
      expect((await verified(doubled, dns))[0]?.result).not.toBe('pass');
    });
  }

  it('signs mail from a subdomain with its parent domain key; leaves other domains unsigned', async () => {
    dns = await startDnsServer({});
    sink = await startSink();
    engine = await createEngine(kind, { dns: dns.address });
    await engine.addServer(smtpServer(sink.port));
    const domain = await addDomain(engine.app, { name: 'example.com', selector: 'parent' });
    await publishKeys(engine, dns, domain.id, 'example.com');
    const sub = await engine.enqueue({ from: 'a@mail.example.com', to: ['x@example.org'], subject: 'Sub', text: 'hi' });
    const other = await engine.enqueue({ from: 'a@elsewhere.example.net', to: ['y@example.org'], subject: 'Other', text: 'hi' });
    engine.startWorker();
    await engine.waitForStatus([sub, other], ['sent']);
    const bySubject = (s: string) => sink.messages.find((m) => m.subject === s)!.raw;
    expect(await verified(bySubject('Sub'), dns)).toEqual([{ result: 'pass', domain: 'example.com', selector: 'parent' }]);
    expect(bySubject('Other').toString()).not.toMatch(/^DKIM-Signature:/im);
  });

  it('rotates a key: the new selector signs once a check finds it published', async () => {
    dns = await startDnsServer({});
    sink = await startSink();
    engine = await createEngine(kind, { dns: dns.address });
    await engine.addServer(smtpServer(sink.port));
    const domain = await addDomain(engine.app, { name: 'example.com', selector: 'old' });
    await publishKeys(engine, dns, domain.id, 'example.com');
    await rotateDomainKey(engine.app, domain.id, { selector: 'new', algorithm: 'ed25519' });
    engine.startWorker();
    const before = await engine.enqueue({ from: 'a@example.com', to: ['x@example.org'], subject: 'Before', text: 'hi' });
    await engine.waitForStatus([before], ['sent']);
    // Not yet published: a check leaves signing with the old key.
    const { verifyDomain } = await import('../../src/domains/verify-domain.js');
    const check = await verifyDomain(engine.app, 'example.com', createDnsLookup({ servers: [dns.address] }));
    expect(check.switchedTo).toBeNull();
    expect(check.checks.find((c) => c.selector === 'new')).toMatchObject({ status: 'fail', keyState: 'pending' });
    await publishKeys(engine, dns, domain.id, 'example.com');
    const switched = await verifyDomain(engine.app, 'example.com', createDnsLookup({ servers: [dns.address] }));
    expect(switched.switchedTo).toBe('new');
    expect(await activatePendingKey(engine.app, domain.id)).toBe(false);
    const after = await engine.enqueue({ from: 'a@example.com', to: ['x@example.org'], subject: 'After', text: 'hi' });
    await engine.waitForStatus([after], ['sent']);
    const bySubject = (s: string) => sink.messages.find((m) => m.subject === s)!.raw;
    expect(await verified(bySubject('Before'), dns)).toEqual([{ result: 'pass', domain: 'example.com', selector: 'old' }]);
    expect(await verified(bySubject('After'), dns)).toEqual([{ result: 'pass', domain: 'example.com', selector: 'new' }]);
    expect((await domainKeys(engine.app.store, domain.id)).map((k) => [k.selector, k.state])).toEqual([
      ['new', 'active'],
      ['old', 'retired'],
    ]);
  });

  it('rewrites From when its domain publishes DMARC p=reject and has no key, and says why in the event', async () => {
    dns = await startDnsServer({
      '_dmarc.yahoo.example': [{ type: 'TXT', value: 'v=DMARC1; p=reject; rua=mailto:d@yahoo.example' }],
      '_dmarc.relaxed.example': [{ type: 'TXT', value: 'v=DMARC1; p=none' }],
    });
    sink = await startSink();
    engine = await createEngine(kind, { dns: dns.address });
    await engine.addServer(smtpServer(sink.port));
    await setSetting(engine.app.store, 'domain_alias', 'postroom.example.com');
    await setSetting(engine.app.store, 'default_from', 'notifications');
    const ours = await addDomain(engine.app, { name: 'postroom.example.com', selector: 'pr1' });
    await publishKeys(engine, dns, ours.id, 'postroom.example.com');
    const strict = await engine.enqueue({ from: 'Jane <jane@yahoo.example>', to: ['x@example.org'], subject: 'Strict', text: 'hi' });
    const loose = await engine.enqueue({ from: 'Joe <joe@relaxed.example>', to: ['y@example.org'], subject: 'Loose', text: 'hi' });
    engine.startWorker();
    await engine.waitForStatus([strict, loose], ['sent']);
    const bySubject = (s: string) => sink.messages.find((m) => m.subject === s)!;

    const rewritten = bySubject('Strict');
    const head = rewritten.raw.toString().split('\r\n\r\n')[0]!;
    expect(head).toMatch(/^From: notifications@postroom\.example\.com$/m);
    expect(head).toMatch(/^Reply-To: Jane <jane@yahoo\.example>$/m);
    expect(rewritten.from).toBe('notifications@postroom.example.com');
    expect(await verified(rewritten.raw, dns)).toEqual([{ result: 'pass', domain: 'postroom.example.com', selector: 'pr1' }]);
    const events = (await engine.message(strict)).events.filter((e) => e.type === 'sent');
    expect(events[0]?.detail).toMatch(/From rewritten to notifications@postroom\.example\.com .*yahoo\.example publishes DMARC p=reject/);

    // p=none: left alone, unsigned.
    expect(bySubject('Loose').raw.toString()).toMatch(/^From: Joe <joe@relaxed\.example>$/m);
    expect((await engine.message(loose)).events.find((e) => e.type === 'sent')?.detail ?? null).toBeNull();
  });
});
