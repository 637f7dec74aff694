/**
 * The live DNS check of a sending domain: one line per record, green or red, with the reason.
 *
 *   DKIM   each active or pending key's TXT record is there and publishes the same public key
 *          (and algorithm) as the private key Postroom signs with
 *   SPF    exactly one record, and it passes for every configured sending IP (evaluated in full,
 *          RFC 7208), or at least includes the configured spf_include
 *   DMARC  a policy is published; DKIM d= aligns with the From domain, and whether the return
 *          path aligns too (RFC 7489 §3.1)
 *   return path / tracking   the MX and the host resolve to this installation
 */
import type { DkimKeyRow, DomainRow } from '../store/index.js';
import type { Settings } from '../servers/settings.js';
import { DnsTempError, type DnsLookup } from './dns.js';
import { aligned, readDmarcPolicy } from './dmarc-policy.js';
import { checkHost } from './spf/index.js';
import type { RecordKind } from './domain-records.js';

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface RecordCheck {
  kind: RecordKind;
  name: string;
  status: CheckStatus;
  reason: string;
  /** What DNS answered, where it helps to see it. */
  found: string[];
  /** The DKIM selector checked. */
  selector?: string;
  keyState?: DkimKeyRow['state'];
}

export interface DomainCheck {
  domain: string;
  checkedAt: string;
  ok: boolean;
  checks: RecordCheck[];
}

const dnsTrouble = (error: unknown): string => (error instanceof DnsTempError ? `DNS did not answer (${error.code}); try again` : `DNS lookup failed: ${error instanceof Error ? error.message : String(error)}`);

/** Tags of a DKIM key record (`v=DKIM1; k=rsa; p=…`), whitespace inside values removed (RFC 6376 §3.6.1). */
function dkimTags(record: string): Map<string, string> {
  const tags = new Map<string, string>();
  for (const part of record.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) tags.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).replace(/\s+/g, ''));
  }
  return tags;
}

async function checkDkim(domain: DomainRow, key: DkimKeyRow, dns: DnsLookup): Promise<RecordCheck> {
  const name = `${key.selector}._domainkey.${domain.name}`;
  const base = { kind: 'dkim' as const, name, selector: key.selector, keyState: key.state };
  let found: string[];
  try {
    found = await dns.txt(name);
  } catch (error) {
    return { ...base, status: 'fail', reason: dnsTrouble(error), found: [] };
  }
  const keys = found.map(dkimTags).filter((t) => t.has('p'));
  if (keys.length === 0) return { ...base, status: 'fail', reason: `no DKIM key record at ${name}: publish the TXT record shown under records`, found };
  if (keys.length > 1) return { ...base, status: 'fail', reason: `${keys.length} DKIM key records at ${name}: publish exactly one`, found };
  const tags = keys[0]!;
  const published = tags.get('p') ?? '';
  if (published === '') return { ...base, status: 'fail', reason: `the key at ${name} is revoked (empty p=)`, found };
  const algorithm = (tags.get('k') ?? 'rsa').toLowerCase();
  if (algorithm !== key.algorithm) return { ...base, status: 'fail', reason: `the record says k=${algorithm} but this key is ${key.algorithm}`, found };
  if (published !== key.public_key) return { ...base, status: 'fail', reason: `the published key does not match the private key Postroom signs with: publish the record shown under records`, found };
  return { ...base, status: 'ok', reason: `publishes the ${key.algorithm === 'rsa' ? 'RSA' : 'Ed25519'} key Postroom signs with${key.state === 'pending' ? ' (the new key of a rotation)' : ''}`, found };
}

async function checkSpf(domain: DomainRow, settings: Settings, dns: DnsLookup): Promise<RecordCheck> {
  const base = { kind: 'spf' as const, name: domain.name };
  let found: string[];
  try {
    found = (await dns.txt(domain.name)).filter((r) => /^v=spf1(\s|$)/i.test(r.trim()));
  } catch (error) {
    return { ...base, status: 'fail', reason: dnsTrouble(error), found: [] };
  }
  if (found.length === 0) return { ...base, status: 'fail', reason: `${domain.name} publishes no SPF record`, found };
  if (found.length > 1) return { ...base, status: 'fail', reason: `${domain.name} publishes ${found.length} SPF records; it must publish exactly one (receivers treat two as an error)`, found };
  const ips = (settings.sending_ips ?? '')
    .split(',')
    .map((ip) => ip.trim())
    .filter(Boolean);
  if (ips.length === 0) {
    if (!settings.spf_include) return { ...base, status: 'warn', reason: 'set the sending_ips or spf_include setting so SPF can be checked for the servers mail leaves through', found };
    const included = new RegExp(`(^|\\s)[+]?include:${settings.spf_include.replace(/\./g, '\\.')}(\\s|$)`, 'i').test(found[0]!);
    return included ? { ...base, status: 'ok', reason: `includes ${settings.spf_include}`, found } : { ...base, status: 'fail', reason: `the SPF record does not include ${settings.spf_include}`, found };
  }
  for (const ip of ips) {
    const result = await checkHost({ ip, domain: domain.name, sender: `postmaster@${domain.name}` }, dns);
    if (result.result !== 'pass') return { ...base, status: 'fail', reason: `SPF gives ${result.result} for ${ip}: ${result.reason}`, found };
  }
  return { ...base, status: 'ok', reason: `passes for ${ips.join(', ')}`, found };
}

async function checkDmarc(domain: DomainRow, settings: Settings, dns: DnsLookup): Promise<RecordCheck> {
  const base = { kind: 'dmarc' as const, name: `_dmarc.${domain.name}` };
  try {
    const policy = await readDmarcPolicy(dns, domain.name);
    if (!policy) return { ...base, status: 'fail', reason: `no DMARC record at _dmarc.${domain.name} (Gmail and Yahoo require one of bulk senders): publish the one shown under records`, found: [] };
    const notes = [`p=${policy.policy}${policy.recordDomain !== domain.name ? ` (from ${policy.recordDomain})` : ''}`, `DKIM d=${domain.name} aligns with From`];
    let status: CheckStatus = 'ok';
    if (settings.bounce_domain && !aligned(settings.bounce_domain, domain.name, policy.aspf)) notes.push(`the return path ${settings.bounce_domain} does not align, so SPF cannot carry DMARC; DKIM does`);
    if (policy.rua.length === 0) {
      status = 'warn';
      notes.push('no rua= address: nobody receives the aggregate reports');
    }
    return { ...base, status, reason: notes.join('; '), found: [policy.record] };
  } catch (error) {
    return { ...base, status: 'fail', reason: dnsTrouble(error), found: [] };
  }
}

/** Whether `name` resolves to the same addresses as `host`. */
async function pointsAt(dns: DnsLookup, name: string, host: string): Promise<boolean> {
  const [a, b] = await Promise.all([dns.a(name), dns.a(host)]);
  return a.length > 0 && a.some((ip) => b.includes(ip));
}

async function checkInfrastructure(settings: Settings, dns: DnsLookup): Promise<RecordCheck[]> {
  const checks: RecordCheck[] = [];
  const host = settings.mail_host;
  if (settings.bounce_domain) {
    const name = settings.bounce_domain;
    try {
      const mx = await dns.mx(name);
      const found = mx.map((m) => `${m.priority} ${m.exchange}`);
      const ours = host && mx.some((m) => m.exchange.toLowerCase().replace(/\.$/, '') === host);
      checks.push({ kind: 'return-path', name, status: ours ? 'ok' : 'fail', reason: ours ? `MX points at ${host}` : mx.length ? `MX points elsewhere than ${host ?? 'mail_host (not set)'}` : `no MX record at ${name}`, found });
    } catch (error) {
      checks.push({ kind: 'return-path', name, status: 'fail', reason: dnsTrouble(error), found: [] });
    }
  }
  if (settings.tracking_domain) {
    const name = settings.tracking_domain;
    try {
      const ok = host ? await pointsAt(dns, name, host) : false;
      checks.push({ kind: 'tracking', name, status: ok ? 'ok' : 'fail', reason: ok ? `resolves to ${host}` : `does not resolve to ${host ?? 'mail_host (not set)'}`, found: await dns.a(name) });
    } catch (error) {
      checks.push({ kind: 'tracking', name, status: 'fail', reason: dnsTrouble(error), found: [] });
    }
  }
  return checks;
}

export async function checkDomain(domain: DomainRow, keys: DkimKeyRow[], settings: Settings, dns: DnsLookup, now: number): Promise<DomainCheck> {
  const live = keys.filter((k) => k.state !== 'retired');
  const checks = [
    ...(await Promise.all(live.map((key) => checkDkim(domain, key, dns)))),
    await checkSpf(domain, settings, dns),
    await checkDmarc(domain, settings, dns),
    ...(await checkInfrastructure(settings, dns)),
  ];
  // A pending key's record is a step of a rotation, not a fault of the domain.
  const ok = checks.every((c) => c.status !== 'fail' || c.keyState === 'pending');
  return { domain: domain.name, checkedAt: new Date(now).toISOString(), ok, checks };
}
