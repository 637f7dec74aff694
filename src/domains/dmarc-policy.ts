/**
 * A From domain's DMARC policy (RFC 7489 §6.6.3): the record at `_dmarc.<domain>`, else at
 * `_dmarc.<organizational domain>` (found with the Public Suffix List), where `sp=` applies to
 * subdomains. Alignment (§3.1) is relaxed unless `adkim=s` / `aspf=s`: the organizational domains
 * must match.
 */
import { getDomain } from 'tldts';
import type { DnsLookup } from './dns.js';

export type DmarcDisposition = 'none' | 'quarantine' | 'reject';

export interface DmarcPolicy {
  /** Where the record was found. */
  recordDomain: string;
  record: string;
  /** The policy that applies to the domain asked about (`sp=` for a subdomain found at its organizational domain). */
  policy: DmarcDisposition;
  adkim: 'r' | 's';
  aspf: 'r' | 's';
  rua: string[];
  pct: number;
}

/** The organizational domain (`news.example.co.uk` → `example.co.uk`); the domain itself when the list does not know it. */
export function organizationalDomain(domain: string): string {
  return getDomain(domain, { allowPrivateDomains: false }) ?? domain;
}

/** Whether `a` and `b` align under DMARC's relaxed or strict mode. */
export function aligned(a: string, b: string, mode: 'r' | 's'): boolean {
  const x = a.toLowerCase().replace(/\.$/, '');
  const y = b.toLowerCase().replace(/\.$/, '');
  return mode === 's' ? x === y : organizationalDomain(x) === organizationalDomain(y);
}

export function parseDmarc(record: string): Map<string, string> | null {
  const tags = new Map<string, string>();
  for (const part of record.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    tags.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  return /^DMARC1$/i.test(tags.get('v') ?? '') && record.trim().toLowerCase().startsWith('v=') ? tags : null;
}

const disposition = (value: string | undefined): DmarcDisposition | null => {
  const v = value?.toLowerCase();
  return v === 'none' || v === 'quarantine' || v === 'reject' ? v : null;
};

async function recordAt(dns: DnsLookup, domain: string): Promise<{ record: string; tags: Map<string, string> } | null> {
  const found = (await dns.txt(`_dmarc.${domain}`)).map((r) => ({ record: r, tags: parseDmarc(r) })).filter((r) => r.tags !== null);
  // §6.6.3: more than one DMARC record → none applies.
  if (found.length !== 1) return null;
  return { record: found[0]!.record, tags: found[0]!.tags! };
}

/** The policy for `domain`, or null when it publishes none (DNS errors propagate). */
export async function readDmarcPolicy(dns: DnsLookup, domain: string): Promise<DmarcPolicy | null> {
  const name = domain.toLowerCase().replace(/\.$/, '');
  let at = name;
  let found = await recordAt(dns, name);
  const org = organizationalDomain(name);
  if (!found && org !== name) {
    at = org;
    found = await recordAt(dns, org);
  }
  if (!found) return null;
  const p = disposition(found.tags.get('p'));
  // §6.6.3 step 6: a record without a valid p= is treated as p=none when it has rua, else ignored.
  const policy = (at !== name ? (disposition(found.tags.get('sp')) ?? p) : p) ?? (found.tags.has('rua') ? 'none' : null);
  if (!policy) return null;
  const pct = Number(found.tags.get('pct') ?? '100');
  return {
    recordDomain: at,
    record: found.record,
    policy,
    adkim: found.tags.get('adkim')?.toLowerCase() === 's' ? 's' : 'r',
    aspf: found.tags.get('aspf')?.toLowerCase() === 's' ? 's' : 'r',
    rua: (found.tags.get('rua') ?? '')
      .split(',')
      .map((u) => u.trim())
      .filter(Boolean),
    pct: Number.isFinite(pct) ? Math.min(100, Math.max(0, pct)) : 100,
  };
}
