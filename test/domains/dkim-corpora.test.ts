/**
 * DKIM against public vectors: the RFC 8463 example (Ed25519 and RSA) and six real signed
 * messages verify with mailauth (an independent verifier) through a real local DNS server; our
 * relaxed body canonicalization gives the same body hashes those signers computed; and messages
 * signed here with the RFC 8463 keys verify against the RFC's published records.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { createHash, createPrivateKey } from 'node:crypto';
import { Resolver } from 'node:dns/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { relaxedBody, signMessage } from '../../src/domains/dkim-sign.js';
import { verifyDkim } from '../../src/domains/dkim-verify.js';
import { startDnsServer, type DnsServer, type Zone } from '../helpers/dns-server.js';

const CORPORA = path.resolve(import.meta.dirname, '../../../shared/corpora');
const RFC8463 = path.join(CORPORA, 'dkim-rfc8463-mailauth');
const STALWART = path.join(CORPORA, 'dkim-stalwart');
/** The stalwart messages were signed at this time; verifying later would find expired signatures. */
const STALWART_TIME = 1667843664 * 1000;

if (!existsSync(CORPORA)) throw new Error(`the public test data is missing: ${CORPORA} (the shared/ folder must sit beside the checkout)`);

const crlf = (text: string) => text.replace(/\r?\n/g, '\r\n');

/** mailauth's resolver: node's, pointed at the test's DNS server. */
function resolverFor(server: DnsServer) {
  const resolver = new Resolver();
  resolver.setServers([server.address]);
  return (name: string, type = 'TXT') => resolver.resolve(name, type as 'TXT') as Promise<string[][]>;
}

/** The body hashes of a message's relaxed-body signatures, and the hash our canonicalization gives. */
function bodyHashes(raw: Buffer): Array<{ expected: string; ours: string }> {
  const text = raw.toString('latin1');
  const split = text.indexOf('\r\n\r\n');
  const body = raw.subarray(split + 4);
  const out: Array<{ expected: string; ours: string }> = [];
  for (const match of text.slice(0, split).matchAll(/^DKIM-Signature:((?:.*\r\n[ \t].*)*.*)/gim)) {
    const value = match[1]!.replace(/\r\n/g, '').replace(/\s+/g, '');
    const tags = new Map(value.split(';').map((t) => [t.slice(0, t.indexOf('=')), t.slice(t.indexOf('=') + 1)] as const));
    const c = tags.get('c') ?? 'simple/simple';
    if ((c.split('/')[1] ?? 'simple') !== 'relaxed' || !/sha256$/.test(tags.get('a') ?? '')) continue;
    let canonical = Buffer.from(relaxedBody(body), 'latin1');
    if (tags.has('l')) canonical = canonical.subarray(0, Number(tags.get('l')));
    out.push({ expected: tags.get('bh')!, ours: createHash('sha256').update(canonical).digest('base64') });
  }
  return out;
}

describe('DKIM vectors', () => {
  let dns: DnsServer;
  beforeAll(async () => {
    dns = await startDnsServer({});
  });
  afterAll(async () => {
    await dns?.close();
  });

  it('verifies the RFC 8463 message (Ed25519 and RSA) and signs the same with its keys', async () => {
    const records = JSON.parse(readFileSync(path.join(RFC8463, 'dns.json'), 'utf8')) as Record<string, { TXT: string[][] }>;
    const zone: Zone = {};
    for (const [name, { TXT }] of Object.entries(records)) zone[name] = TXT.map((strings) => ({ type: 'TXT' as const, value: strings }));
    dns.zone = zone;
    const signed = Buffer.from(crlf(readFileSync(path.join(RFC8463, 'signed.eml'), 'utf8')));
    const verified = await dkimVerify(signed, { resolver: resolverFor(dns) });
    expect(verified.results.map((r: { status: { result: string } }) => r.status.result)).toEqual(['pass', 'pass']);
    const resolver = resolverFor(dns);
    const txt = async (name: string) => (await resolver(name, 'TXT')).map((strings) => strings.join(''));
    expect((await verifyDkim(signed, txt)).map((r) => r.result)).toEqual(['pass', 'pass']);
    for (const hash of bodyHashes(signed)) expect(hash.ours).toBe(hash.expected);

    // Sign the unsigned message again with the RFC's keys: the RFC's records verify our signatures.
    const unsigned = Buffer.from(signed.toString('latin1').replace(/^(DKIM-Signature:.*\r\n(?:[ \t].*\r\n)*)+/i, ''), 'latin1');
    const ed = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.from(readFileSync(path.join(RFC8463, 'private-ec.key'), 'utf8').trim(), 'base64')]), format: 'der', type: 'pkcs8' });
    const rsa = createPrivateKey(readFileSync(path.join(RFC8463, 'private-rsa.key'), 'utf8'));
    const ours = signMessage(signMessage(unsigned, { domain: 'football.example.com', selector: 'test', algorithm: 'rsa', key: rsa }, Date.now()), { domain: 'football.example.com', selector: 'brisbane', algorithm: 'ed25519', key: ed }, Date.now());
    const again = await dkimVerify(ours, { resolver: resolverFor(dns) });
    expect(again.results.map((r: { status: { result: string }; signingDomain: string }) => [r.status.result, r.signingDomain])).toEqual([
      ['pass', 'football.example.com'],
      ['pass', 'football.example.com'],
    ]);
    expect((await verifyDkim(ours, txt)).map((r) => r.result)).toEqual(['pass', 'pass']);
    // A changed header breaks them.
    const tampered = Buffer.from(ours.toString('latin1').replace('Subject: Is dinner ready?', 'Subject: Is lunch ready?'), 'latin1');
    expect((await verifyDkim(tampered, txt)).map((r) => r.result)).toEqual(['fail', 'fail']);
    // Same body, same canonicalization: the same body hash as the RFC's signatures.
    expect(bodyHashes(ours).map((h) => h.ours)).toEqual(bodyHashes(signed).map((h) => h.expected));
  });

  const files = readdirSync(STALWART).filter((f) => /^\d+\.txt$/.test(f));
  it('has the six real signed messages', () => expect(files).toHaveLength(6));
  for (const file of files) {
    it(`verifies ${file} (a real signed message)`, async () => {
      const text = readFileSync(path.join(STALWART, file), 'utf8');
      const blank = text.indexOf('\n\n');
      const zone: Zone = {};
      for (const line of text.slice(0, blank).split('\n').filter(Boolean)) {
        const space = line.indexOf(' ');
        (zone[line.slice(0, space)] ??= []).push({ type: 'TXT', value: line.slice(space + 1) });
      }
      dns.zone = zone;
      const raw = Buffer.from(crlf(text.slice(blank + 2)));
      // Ours: every signature passes.
      const resolver = resolverFor(dns);
      const ours = await verifyDkim(raw, async (name) => (await resolver(name, 'TXT')).map((strings) => strings.join('')), STALWART_TIME);
      expect(ours.length).toBeGreaterThan(0);
      expect(ours.map((r) => r.result), JSON.stringify(ours)).toEqual(ours.map(() => 'pass'));
      // mailauth agrees, except where it cannot read the key: one message publishes a bare PKCS#1 RSA key, which it does not accept.
      const verified = await dkimVerify(raw, { resolver, curTime: new Date(STALWART_TIME) });
      const theirs = verified.results.filter((r: { status: { comment?: string } }) => r.status.comment !== 'unknown key type');
      expect(theirs.map((r: { status: { result: string } }) => r.status.result), JSON.stringify(verified.results.map((r: { status: unknown }) => r.status))).toEqual(theirs.map(() => 'pass'));
      for (const hash of bodyHashes(raw)) expect(hash.ours).toBe(hash.expected);
    });
  }
});
