/**
 * The live DNS check and the records to publish, against a real local DNS server with one zone
 * per situation: all correct; a DKIM key that does not match; no SPF; SPF without our include;
 * two SPF records; an SPF record over the 10-lookup limit; DMARC p=reject on a From domain we
 * have no key for. Then the same through `postroom domain … --dns --json`.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDomain, createDnsLookup, dkimRecordText, domainKeys, domainRecords, generateDkimKey, verifyDomain, type DomainCheck } from '../../src/domains/index.js';
import { getSettings, setSetting } from '../../src/servers/index.js';
import type { App } from '../../src/app/open-app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { openTestApp, postroomEnv, spawnPostroom } from '../helpers/processes.js';
import { startDnsServer, type DnsServer, type Zone } from '../helpers/dns-server.js';

const IP = '192.0.2.10';

describe('domain DNS checks', () => {
  let database: TestDatabase;
  let app: App;
  let dns: DnsServer;
  const lookup = () => createDnsLookup({ servers: [dns.address], timeoutMs: 1000 });

  /** Adds `name` with a key and returns the zone records that publish it correctly. */
  async function domainWithZone(name: string, spf: string[] | null, dmarc = 'v=DMARC1; p=none; rua=mailto:dmarc@' + name): Promise<Zone> {
    const row = await addDomain(app, { name, selector: 'pr1' });
    const key = (await domainKeys(app.store, row.id))[0]!;
    return {
      [`pr1._domainkey.${name}`]: [{ type: 'TXT', value: dkimRecordText(key.algorithm, key.public_key) }],
      [name]: [...(spf ?? []).map((value) => ({ type: 'TXT' as const, value })), { type: 'TXT', value: 'google-site-verification=abc' }, { type: 'A', value: '198.51.100.1' }],
      [`_dmarc.${name}`]: [{ type: 'TXT', value: dmarc }],
    };
  }
  const line = (check: DomainCheck, kind: string) => check.checks.find((c) => c.kind === kind)!;

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    app = await openTestApp(database);
    dns = await startDnsServer({});
    await setSetting(app.store, 'sending_ips', IP);
    const zones: Zone[] = [
      await domainWithZone('good.example', [`v=spf1 ip4:${IP} -all`]),
      await domainWithZone('nospf.example', null),
      await domainWithZone('twospf.example', [`v=spf1 ip4:${IP} -all`, 'v=spf1 include:other.example ~all']),
      await domainWithZone('notours.example', ['v=spf1 ip4:203.0.113.5 -all']),
      await domainWithZone('deep.example', ['v=spf1 include:l1.example -all']),
      await domainWithZone('nodmarc.example', [`v=spf1 ip4:${IP} -all`], ''),
    ];
    // A DKIM record that publishes another key.
    const other = generateDkimKey('rsa');
    const mismatch = await domainWithZone('mismatch.example', [`v=spf1 ip4:${IP} -all`]);
    mismatch['pr1._domainkey.mismatch.example'] = [{ type: 'TXT', value: dkimRecordText('rsa', other.publicKey) }];
    zones.push(mismatch);
    // Twelve nested includes: over SPF's limit of 10 lookups.
    const chain: Zone = {};
    for (let i = 1; i <= 12; i++) chain[`l${i}.example`] = [{ type: 'TXT', value: i < 12 ? `v=spf1 include:l${i + 1}.example -all` : `v=spf1 ip4:${IP} -all` }];
    zones.push(chain);
    zones.push({ '_dmarc.yahoo.example': [{ type: 'TXT', value: 'v=DMARC1; p=reject; rua=mailto:d@yahoo.example' }] });
    dns.zone = Object.assign({}, ...zones) as Zone;
    for (const [name, records] of Object.entries(dns.zone)) dns.zone[name] = records.filter((r) => !(r.type === 'TXT' && r.value === ''));
  });
  afterAll(async () => {
    await app?.close();
    await dns?.close();
    await database?.drop();
  });

  it('passes a domain whose records are all right', async () => {
    const check = await verifyDomain(app, 'good.example', lookup());
    expect(check.checks.map((c) => [c.kind, c.status])).toEqual([
      ['dkim', 'ok'],
      ['spf', 'ok'],
      ['dmarc', 'ok'],
    ]);
    expect(check.ok).toBe(true);
    expect(line(check, 'spf').reason).toBe(`passes for ${IP}`);
  });

  it('names a DKIM key that does not match the private key', async () => {
    const check = await verifyDomain(app, 'mismatch.example', lookup());
    expect(line(check, 'dkim')).toMatchObject({ status: 'fail', reason: expect.stringMatching(/does not match the private key/) });
    expect(check.ok).toBe(false);
  });

  it('fails a domain without SPF, with two SPF records, or whose SPF does not cover the sending IP', async () => {
    expect(line(await verifyDomain(app, 'nospf.example', lookup()), 'spf')).toMatchObject({ status: 'fail', reason: 'nospf.example publishes no SPF record' });
    expect(line(await verifyDomain(app, 'twospf.example', lookup()), 'spf')).toMatchObject({ status: 'fail', reason: expect.stringMatching(/publishes 2 SPF records/) });
    expect(line(await verifyDomain(app, 'notours.example', lookup()), 'spf')).toMatchObject({ status: 'fail', reason: expect.stringMatching(new RegExp(`^SPF gives fail for ${IP.replace(/\./g, '\\.')}`)) });
  });

  it('fails SPF without our include when mail leaves through an spf_include', async () => {
    await setSetting(app.store, 'sending_ips', '');
    await setSetting(app.store, 'spf_include', '_spf.relay.example');
    try {
      expect(line(await verifyDomain(app, 'notours.example', lookup()), 'spf')).toMatchObject({ status: 'fail', reason: 'the SPF record does not include _spf.relay.example' });
      dns.zone['withinclude.example'] = [{ type: 'TXT', value: 'v=spf1 include:_spf.relay.example ~all' }];
      await addDomain(app, { name: 'withinclude.example' });
      expect(line(await verifyDomain(app, 'withinclude.example', lookup()), 'spf')).toMatchObject({ status: 'ok', reason: 'includes _spf.relay.example' });
    } finally {
      await setSetting(app.store, 'spf_include', '');
      await setSetting(app.store, 'sending_ips', IP);
    }
  });

  it('fails an SPF record that needs more than 10 DNS lookups, and warns when suggesting one', async () => {
    const check = await verifyDomain(app, 'deep.example', lookup());
    expect(line(check, 'spf')).toMatchObject({ status: 'fail', reason: expect.stringMatching(/permerror/) });
    await setSetting(app.store, 'spf_include', 'l1.example');
    try {
      const row = (await app.store.db.selectFrom('domains').selectAll().where('name', '=', 'good.example').executeTakeFirstOrThrow());
      const records = await domainRecords(row, await domainKeys(app.store, row.id), await getSettings(app.store), lookup());
      const spf = records.find((r) => r.kind === 'spf')!;
      expect(spf.value).toBe(`v=spf1 ip4:${IP} include:l1.example -all`);
      expect(spf.warnings.join(' ')).toMatch(/needs \d+ DNS lookups; SPF allows 10/);
    } finally {
      await setSetting(app.store, 'spf_include', '');
    }
  });

  it('fails a domain without DMARC, and reads p=reject on a From domain', async () => {
    expect(line(await verifyDomain(app, 'nodmarc.example', lookup()), 'dmarc')).toMatchObject({ status: 'fail', reason: expect.stringMatching(/^no DMARC record at _dmarc\.nodmarc\.example/) });
    const { readDmarcPolicy } = await import('../../src/domains/index.js');
    expect(await readDmarcPolicy(lookup(), 'yahoo.example')).toMatchObject({ policy: 'reject', rua: ['mailto:d@yahoo.example'] });
    expect(await readDmarcPolicy(lookup(), 'mail.yahoo.example')).toMatchObject({ policy: 'reject', recordDomain: 'yahoo.example' });
  });

  it('suggests records: the DKIM key split into 255-byte strings, SPF merged, DMARC p=none', async () => {
    const row = await app.store.db.selectFrom('domains').selectAll().where('name', '=', 'notours.example').executeTakeFirstOrThrow();
    const records = await domainRecords(row, await domainKeys(app.store, row.id), await getSettings(app.store), lookup());
    const dkim = records.find((r) => r.kind === 'dkim')!;
    expect(dkim.name).toBe('pr1._domainkey.notours.example');
    expect(dkim.strings!.length).toBeGreaterThan(1);
    expect(dkim.strings!.every((s) => s.length <= 255)).toBe(true);
    expect(dkim.strings!.join('')).toBe(dkim.value);
    expect(records.find((r) => r.kind === 'spf')).toMatchObject({ value: `v=spf1 ip4:203.0.113.5 ip4:${IP} -all`, warnings: [] });
    expect(records.find((r) => r.kind === 'dmarc')?.value).toBe('v=DMARC1; p=none; rua=mailto:dmarc@notours.example; adkim=r; aspf=r');
  });

  it('adds, lists its records and checks a domain from the command line', async () => {
    const env = postroomEnv(database);
    const run = async (args: string[]) => {
      const proc = spawnPostroom(['--json', ...args], env);
      const exit = await proc.waitForExit(20_000);
      return { code: exit.code, json: proc.stdout() ? (JSON.parse(proc.stdout()) as unknown) : null, stderr: proc.stderr() };
    };
    const added = await run(['domain', 'add', 'cli.example', '--algorithm', 'ed25519', '--selector', 'edkey']);
    expect(added.code, added.stderr).toBe(0);
    expect(added.json).toMatchObject({ name: 'cli.example', keys: [{ selector: 'edkey', algorithm: 'ed25519', state: 'active' }] });
    const records = await run(['domain', 'records', 'cli.example', '--dns', dns.address]);
    const dkim = (records.json as Array<{ kind: string; name: string; value: string }>).find((r) => r.kind === 'dkim')!;
    expect(dkim).toMatchObject({ name: 'edkey._domainkey.cli.example', value: expect.stringMatching(/^v=DKIM1; k=ed25519; p=/) });
    // Not published yet: the check fails with exit status 1 and says why.
    const before = await run(['domain', 'check', 'cli.example', '--dns', dns.address]);
    expect(before.code).toBe(1);
    expect((before.json as DomainCheck).checks[0]).toMatchObject({ kind: 'dkim', status: 'fail', reason: expect.stringMatching(/^no DKIM key record at edkey\._domainkey\.cli\.example/) });
    dns.zone['edkey._domainkey.cli.example'] = [{ type: 'TXT', value: dkim.value }];
    dns.zone['cli.example'] = [{ type: 'TXT', value: `v=spf1 ip4:${IP} ~all` }];
    dns.zone['_dmarc.cli.example'] = [{ type: 'TXT', value: 'v=DMARC1; p=quarantine; rua=mailto:r@cli.example' }];
    const after = await run(['domain', 'check', 'cli.example', '--dns', dns.address]);
    expect(after.code, after.stderr).toBe(0);
    expect((after.json as DomainCheck).ok).toBe(true);

    // The pre-send check of a message file: signed and aligned, then the content.
    const good = path.join(database.dataDir, 'good.eml');
    writeFileSync(good, ['From: News <news@cli.example>', 'To: a@example.org', 'Subject: Our November update', 'List-Unsubscribe: <https://cli.example/u/1>', 'List-Unsubscribe-Post: List-Unsubscribe=One-Click', 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', 'What we built this month.', ''].join('\r\n'));
    const checked = await run(['check', good, '--dns', dns.address]);
    expect(checked.code, checked.stderr).toBe(0);
    const report = checked.json as { score: number; verdict: string; checks: Array<{ id: string; status: string }> };
    expect(report.checks.map((c) => [c.id, c.status])).toEqual([
      ['dkim', 'pass'],
      ['spf', 'pass'],
      ['dmarc', 'pass'],
      ['text-part', 'pass'],
      ['unsubscribe', 'pass'],
      ['spam-phrases', 'pass'],
      ['image-ratio', 'pass'],
      ['links', 'pass'],
      ['size', 'pass'],
      ['subject', 'pass'],
    ]);
    expect(report).toMatchObject({ score: 10, verdict: 'good' });
    const bad = path.join(database.dataDir, 'bad.eml');
    writeFileSync(bad, ['From: Win <win@unsigned.example>', 'To: a@example.org', 'Subject: YOU ARE A WINNER!!! Act now', 'Precedence: bulk', 'Content-Type: text/html', '', '<img src="https://x.example/a.png"><a href="javascript:go()">Claim your prize</a>', ''].join('\r\n'));
    const poor = await run(['check', bad, '--dns', dns.address]);
    expect(poor.code).toBe(1);
    expect(poor.json).toMatchObject({ verdict: 'poor' });
  });
});
