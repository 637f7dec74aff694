/**
 * Built-in direct delivery end to end: a real local DNS server publishes MX, A, null MX and
 * MTA-STS records; receiving SMTP servers listen on several loopback addresses with one port
 * (the server's MX port); an MTA-STS policy is served over HTTPS locally. The worker looks the
 * domains up, picks the hosts, and the messages that arrive say how they came.
 */
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generate } from 'selfsigned';
import { createEngine, simpleMessage, type Engine } from '../helpers/engine.js';
import { startSink, type Sink, type SinkOptions } from '../helpers/smtp-sink.js';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.js';
import { testCerts } from '../helpers/certs.js';
import { testDatabaseKinds } from '../helpers/databases.js';
import { manualClock } from '../helpers/manual-clock.js';
import { freePort } from '../helpers/ports.js';

/** A certificate for these host names, signed by the test CA. */
async function hostCert(names: string[]): Promise<{ cert: string; key: string }> {
  const ca = await testCerts();
  const made = await generate([{ name: 'commonName', value: names[0]! }], {
    algorithm: 'sha256',
    keySize: 2048,
    ca: { key: ca.caKey, cert: ca.caCert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: names.map((value) => ({ type: 2, value })) },
    ],
  });
  return { cert: made.cert, key: made.private };
}

describe.each(testDatabaseKinds())('direct delivery on %s', (kind) => {
  let engine: Engine;
  let dns: DnsServer;
  let https: HttpsServer | null = null;
  const sinks: Sink[] = [];
  afterEach(async () => {
    await engine?.close();
    for (const sink of sinks.splice(0)) await sink.close();
    await dns?.close();
    if (https) await new Promise<void>((resolve) => https!.close(() => resolve()));
    https = null;
  });

  /** Receiving servers on the given loopback addresses, all on one port (the MX port). */
  async function mxHosts(addresses: string[], options: (address: string) => SinkOptions = () => ({})): Promise<{ port: number; sinks: Map<string, Sink> }> {
    for (let tries = 0; ; tries++) {
      const port = await freePort();
      const started = new Map<string, Sink>();
      try {
        for (const host of addresses) started.set(host, await startSink({ host, port, ...options(host) }));
        sinks.push(...started.values());
        return { port, sinks: started };
      } catch (error) {
        for (const sink of started.values()) await sink.close();
        if (tries > 5) throw error;
      }
    }
  }

  async function setUp(port: number, options: { mtaStsPort?: number; ca?: string; clock?: ReturnType<typeof manualClock> } = {}) {
    let caFile: string | undefined;
    if (options.ca) {
      caFile = path.join(mkdtempSync(path.join(tmpdir(), 'postroom-ca-')), 'ca.pem');
      writeFileSync(caFile, options.ca);
    }
    // A long lease: a manual clock moved an hour on must not make a send under way look abandoned.
    engine = await createEngine(kind, { dns: dns.address, clock: options.clock, worker: { leaseMs: 30 * 24 * 3_600_000 }, direct: { ...(options.mtaStsPort ? { mtaStsPort: options.mtaStsPort } : {}), ...(caFile ? { mtaStsCa: caFile } : {}) } });
    return engine.addServer({ name: 'Direct', kind: 'direct', port, ehloName: 'mta.postroom.test' });
  }

  it('tries MX hosts in preference order, passing one that refuses connections, and falls back to the A record', async () => {
    const { port, sinks: hosts } = await mxHosts(['127.0.0.1', '127.0.0.3']);
    dns = await startDnsServer({
      'pref.test': [
        { type: 'MX', value: 'mx1.pref.test', priority: 10 },
        { type: 'MX', value: 'mx2.pref.test', priority: 20 },
        { type: 'MX', value: 'mx3.pref.test', priority: 30 },
      ],
      'mx1.pref.test': [{ type: 'A', value: '127.0.0.2' }], // nothing listens there
      'mx2.pref.test': [{ type: 'A', value: '127.0.0.1' }],
      'mx3.pref.test': [{ type: 'A', value: '127.0.0.3' }],
      'plain.test': [{ type: 'A', value: '127.0.0.3' }], // no MX: the A record is the implicit MX
    });
    await setUp(port);
    const id = await engine.enqueue(simpleMessage(1, { to: ['ana@pref.test', 'ben@plain.test', 'cy@pref.test'] }));
    engine.startWorker();
    await engine.waitForStatus([id], ['sent']);

    const preferred = hosts.get('127.0.0.1')!;
    const implicit = hosts.get('127.0.0.3')!;
    // One transaction per recipient domain, each at that domain's host.
    expect(preferred.messages.map((m) => m.to.sort())).toEqual([['ana@pref.test', 'cy@pref.test']]);
    expect(implicit.messages.map((m) => m.to)).toEqual([['ben@plain.test']]);
    expect(preferred.messages[0]!.ehlo).toBe('mta.postroom.test');
    const { recipients } = await engine.message(id);
    expect(recipients.every((r) => r.status === 'sent' && r.attempts === 1)).toBe(true);
  });

  it('sends from the server\'s source addresses, not the machine\'s default one', async () => {
    const { port, sinks: hosts } = await mxHosts(['127.0.0.1']);
    dns = await startDnsServer({ 'src.test': [{ type: 'MX', value: 'mx.src.test', priority: 10 }], 'mx.src.test': [{ type: 'A', value: '127.0.0.1' }] });
    await setUp(port);
    const server = (await engine.app.store.db.selectFrom('servers').select('id').where('name', '=', 'Direct').executeTakeFirstOrThrow()).id;
    await engine.app.store.db.updateTable('servers').set({ source_addresses: '127.0.0.7, 127.0.0.8', max_concurrent: 1 }).where('id', '=', server).execute();
    const ids: string[] = [];
    for (let n = 1; n <= 4; n++) ids.push(await engine.enqueue(simpleMessage(n, { to: [`r${n}@src.test`] })));
    engine.startWorker();
    await engine.waitForStatus(ids, ['sent']);
    const from = new Set(hosts.get('127.0.0.1')!.messages.map((m) => m.remoteAddress.replace(/^::ffff:/, '')));
    expect([...from].sort()).toEqual(expect.arrayContaining(['127.0.0.7']));
    expect([...from].every((a) => a === '127.0.0.7' || a === '127.0.0.8')).toBe(true);
  });

  it('fails a null MX domain and a domain with no mail server at once, without connecting anywhere', async () => {
    const { port, sinks: hosts } = await mxHosts(['127.0.0.1']);
    dns = await startDnsServer({
      'nullmx.test': [{ type: 'MX', value: '.', priority: 0 }],
      'gone.test': [{ type: 'TXT', value: 'v=spf1 -all' }],
    });
    await setUp(port);
    const id = await engine.enqueue(simpleMessage(1, { to: ['a@nullmx.test', 'b@gone.test'] }));
    engine.startWorker();
    await engine.waitForStatus([id], ['failed']);
    const { recipients } = await engine.message(id);
    const byAddress = Object.fromEntries(recipients.map((r) => [r.address, r]));
    expect(byAddress['a@nullmx.test']).toMatchObject({ status: 'failed', attempts: 1, last_code: 556, last_enhanced: '5.1.10' });
    expect(byAddress['a@nullmx.test']!.last_response).toMatch(/nullmx\.test accepts no mail \(null MX, RFC 7505\)/);
    expect(byAddress['b@gone.test']).toMatchObject({ status: 'failed', attempts: 1, last_code: 550, last_enhanced: '5.1.2' });
    expect(hosts.get('127.0.0.1')!.counters.sessions).toBe(0);
  });

  it('uses STARTTLS when the MX host offers it, without needing a valid certificate', async () => {
    const certs = await testCerts();
    const { port, sinks: hosts } = await mxHosts(['127.0.0.1'], () => ({ cert: certs.selfSignedCert, key: certs.selfSignedKey }));
    dns = await startDnsServer({ 'tls.test': [{ type: 'MX', value: 'mx.tls.test', priority: 5 }], 'mx.tls.test': [{ type: 'A', value: '127.0.0.1' }] });
    await setUp(port);
    const id = await engine.enqueue(simpleMessage(1, { to: ['x@tls.test'] }));
    engine.startWorker();
    await engine.waitForStatus([id], ['sent']);
    expect(hosts.get('127.0.0.1')!.messages[0]!.tls).toBe(true);
  });

  it('enforces an MTA-STS policy served over HTTPS: listed hosts only, with STARTTLS and a valid certificate', async () => {
    const certs = await testCerts();
    const good = await hostCert(['mx.sts.test']);
    // 127.0.0.1 holds a valid certificate for mx.sts.test; 127.0.0.3 is a host the policy does not list;
    // 127.0.0.4 offers no STARTTLS at all.
    const { port, sinks: hosts } = await mxHosts(['127.0.0.1', '127.0.0.3', '127.0.0.4'], (address) => (address === '127.0.0.4' ? {} : good));
    const policyHost = await hostCert(['mta-sts.sts.test', 'mta-sts.unlisted.test', 'mta-sts.notls.test']);
    const policies: Record<string, string> = {
      'mta-sts.sts.test': 'version: STSv1\nmode: enforce\nmx: mx.sts.test\nmax_age: 86400\n',
      'mta-sts.unlisted.test': 'version: STSv1\nmode: enforce\nmx: mx.sts.test\nmax_age: 86400\n',
      'mta-sts.notls.test': 'version: STSv1\nmode: enforce\nmx: *.notls.test\nmax_age: 86400\n',
    };
    https = createHttpsServer({ ...policyHost }, (req, res) => {
      // Which policy host was asked for: the TLS server name (SNI), as the certificate check uses it.
      const host = (req.socket as { servername?: string }).servername ?? (req.headers.host ?? '').split(':')[0]!;
      const body = req.url === '/.well-known/mta-sts.txt' ? policies[host] : undefined;
      if (!body) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'text/plain' }).end(body);
    });
    await new Promise<void>((resolve) => https!.listen(0, '127.0.0.1', resolve));
    const mtaStsPort = (https.address() as { port: number }).port;
    const zone: Record<string, Array<{ type: 'MX' | 'A' | 'TXT'; value: string; priority?: number }>> = {};
    for (const [domain, mx, address] of [
      ['sts.test', 'mx.sts.test', '127.0.0.1'],
      ['unlisted.test', 'mx.unlisted.test', '127.0.0.3'],
      ['notls.test', 'mx.notls.test', '127.0.0.4'],
    ] as const) {
      zone[domain] = [{ type: 'MX', value: mx, priority: 10 }];
      zone[mx] = [{ type: 'A', value: address }];
      zone[`_mta-sts.${domain}`] = [{ type: 'TXT', value: 'v=STSv1; id=20261202T000000;' }];
      zone[`mta-sts.${domain}`] = [{ type: 'A', value: '127.0.0.1' }];
    }
    dns = await startDnsServer(zone);
    await setUp(port, { mtaStsPort, ca: certs.caCert });
    const sent = await engine.enqueue(simpleMessage(1, { to: ['a@sts.test'] }));
    const unlisted = await engine.enqueue(simpleMessage(2, { to: ['b@unlisted.test'] }));
    const notls = await engine.enqueue(simpleMessage(3, { to: ['c@notls.test'] }));
    engine.startWorker();
    await engine.waitForStatus([sent], ['sent']);
    await engine.waitForStatus([unlisted, notls], ['deferred']);

    expect(hosts.get('127.0.0.1')!.messages.map((m) => [m.to, m.tls])).toEqual([[['a@sts.test'], true]]);
    // Refused before a connection: the policy does not list the host.
    expect(hosts.get('127.0.0.3')!.counters.sessions).toBe(0);
    const deferred = (await engine.message(unlisted)).events.find((e) => e.type === 'deferred')!;
    expect(deferred.detail).toMatch(/MTA-STS/);
    // Listed, but no STARTTLS offered: nothing is sent in clear text.
    expect(hosts.get('127.0.0.4')!.messages).toHaveLength(0);
  });

  it("pauses only the destination that asked (Gmail's 4.7.28) and keeps delivering elsewhere, then resumes", async () => {
    const clock = manualClock();
    let refused = 0;
    const { port, sinks: hosts } = await mxHosts(['127.0.0.1', '127.0.0.3'], (address) =>
      address === '127.0.0.1' ? { script: { rcpt: () => (refused++ < 1 ? { code: 450, text: '4.7.28 Our system has detected an unusual rate of unsolicited mail originating from your IP address.' } : undefined) } } : {},
    );
    dns = await startDnsServer({
      'gmail.com': [{ type: 'MX', value: 'gmail-smtp-in.l.google.com', priority: 5 }],
      'workspace.test': [{ type: 'MX', value: 'aspmx.l.google.com', priority: 1 }],
      'gmail-smtp-in.l.google.com': [{ type: 'A', value: '127.0.0.1' }],
      'aspmx.l.google.com': [{ type: 'A', value: '127.0.0.1' }],
      'other.test': [{ type: 'MX', value: 'mx.other.test', priority: 10 }],
      'mx.other.test': [{ type: 'A', value: '127.0.0.3' }],
    });
    const server = await setUp(port, { clock });
    const toGoogle = [await engine.enqueue(simpleMessage(1, { to: ['a@gmail.com'] })), await engine.enqueue(simpleMessage(2, { to: ['b@workspace.test'] }))];
    engine.startWorker();
    let row;
    // The destination's row is written when it first sends; the pause follows the 450.
    for (let i = 0; i < 500 && !row?.paused_until; i++) {
      row = await engine.app.store.db.selectFrom('destination_throttles').selectAll().where('server_id', '=', server.id).executeTakeFirst();
      if (!row?.paused_until) await new Promise((r) => setTimeout(r, 10));
    }
    // gmail.com and the Workspace domain are one destination, found by its MX host. (Its pause
    // count may be back to 0: the other message can be delivered in a session opened before the pause.)
    expect(row).toMatchObject({ destination: 'gmail' });
    expect(row!.paused_until! - clock.now()).toBeGreaterThan(3_500_000);
    expect(row!.pause_reason).toMatch(/4\.7\.28/);
    const elsewhere = await engine.enqueue(simpleMessage(3, { to: ['c@other.test'] }));
    await engine.waitForStatus([elsewhere], ['sent']);
    const serverRow = await engine.app.store.db.selectFrom('servers').selectAll().where('id', '=', server.id).executeTakeFirstOrThrow();
    expect(serverRow.paused_until).toBeNull();

    clock.advance(3_600_000 + 1000);
    await engine.waitForStatus(toGoogle, ['sent']);
    expect(hosts.get('127.0.0.1')!.messages).toHaveLength(2);
    for (const id of toGoogle) {
      const { recipients, events } = await engine.message(id);
      expect(recipients[0]!.attempts).toBe(1);
      expect(events.map((e) => e.type)).not.toContain('deferred');
    }
  });
});
