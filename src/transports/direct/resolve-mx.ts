/**
 * Where a domain's mail goes (RFC 5321 §5.1): its MX hosts in preference order (hosts of equal
 * preference in random order, to spread the load as the RFC asks); no MX record → the domain's
 * own A / AAAA as an implicit MX of preference 0; a null MX (RFC 7505: one MX of ".") → the
 * domain accepts no mail; nothing at all → no host. A lookup that could not be answered is a
 * `dns-error`, a temporary trouble: the message waits and tries again.
 */
import { isIP } from 'node:net';
import { DnsTempError, type DnsLookup } from '../../domains/dns.js';

export interface MxHost {
  name: string;
  preference: number;
}

export type MxResult =
  | { kind: 'hosts'; hosts: MxHost[]; implicit: boolean }
  | { kind: 'null-mx' }
  | { kind: 'no-host' }
  | { kind: 'dns-error'; detail: string };

export async function resolveMx(dns: DnsLookup, domain: string, random: () => number = Math.random): Promise<MxResult> {
  try {
    const records = await dns.mx(domain);
    const named = records.map((r) => ({ name: r.exchange.replace(/\.$/, '').toLowerCase(), preference: r.priority }));
    if (named.length > 0) {
      const hosts = named.filter((h) => h.name !== '');
      // RFC 7505 §3: a null MX is the only MX record; one among others is ignored.
      if (hosts.length === 0) return { kind: 'null-mx' };
      const keyed = hosts.map((host) => ({ host, tie: random() }));
      keyed.sort((a, b) => a.host.preference - b.host.preference || a.tie - b.tie);
      return { kind: 'hosts', hosts: keyed.map((k) => k.host), implicit: false };
    }
    const [v4, v6] = await Promise.all([dns.a(domain), dns.aaaa(domain)]);
    if (v4.length + v6.length === 0) return { kind: 'no-host' };
    return { kind: 'hosts', hosts: [{ name: domain, preference: 0 }], implicit: true };
  } catch (error) {
    if (error instanceof DnsTempError) return { kind: 'dns-error', detail: error.message };
    throw error;
  }
}

/** The addresses of an MX host: IPv4 first, then IPv6; an address literal is itself. */
export async function hostAddresses(dns: DnsLookup, host: string): Promise<string[]> {
  const literal = host.replace(/^\[|\]$/g, '');
  if (isIP(literal)) return [literal];
  const [v4, v6] = await Promise.allSettled([dns.a(host), dns.aaaa(host)]);
  if (v4.status === 'rejected' && v6.status === 'rejected') throw v4.reason;
  return [...(v4.status === 'fulfilled' ? v4.value : []), ...(v6.status === 'fulfilled' ? v6.value : [])];
}

export interface LookupCacheOptions {
  now: () => number;
  /** How long an answer is kept (node's resolver gives no TTLs for MX); default five minutes. */
  ttlMs?: number;
  maxEntries?: number;
}

/**
 * Recent answers per name (a domain's MX, an MX host's addresses), so a campaign to many
 * addresses at one domain asks DNS once in a while, not per message. Lookups in flight are
 * shared; an answer `keep` refuses (a DNS error) is not kept, so the next message asks again.
 */
export class LookupCache<T> {
  private readonly entries = new Map<string, { value: T; expires: number }>();
  private readonly pending = new Map<string, Promise<T>>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;

  constructor(
    private readonly options: LookupCacheOptions,
    private readonly keep: (value: T) => boolean = () => true,
  ) {
    this.ttlMs = options.ttlMs ?? 300_000;
    this.maxEntries = options.maxEntries ?? 10_000;
  }

  async get(name: string, lookup: () => Promise<T>): Promise<T> {
    const kept = this.entries.get(name);
    if (kept && kept.expires > this.options.now()) return kept.value;
    const asked = this.pending.get(name);
    if (asked) return asked;
    const asking = lookup().finally(() => this.pending.delete(name));
    this.pending.set(name, asking);
    const value = await asking;
    if (this.keep(value)) {
      if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
      this.entries.delete(name);
      this.entries.set(name, { value, expires: this.options.now() + this.ttlMs });
    }
    return value;
  }
}

/** A domain's MX answers; a `dns-error` is not kept. */
export const mxCache = (options: LookupCacheOptions) => new LookupCache<MxResult>(options, (r) => r.kind !== 'dns-error');
