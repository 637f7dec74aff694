/**
 * The DNS lookups the domain checks need, behind one small interface so that SPF evaluation,
 * DKIM and DMARC checks run the same against the system resolver, a configured DNS server
 * (`--dns HOST:PORT`) or a test's zone.
 *
 * A name that does not exist and a name without records of the type asked both answer `[]` (SPF
 * counts either as a "void lookup"); a lookup that could not be answered (timeout, SERVFAIL,
 * refused) throws a `DnsTempError`.
 */
import { Resolver } from 'node:dns/promises';

export interface MxRecord {
  exchange: string;
  priority: number;
}

export interface DnsLookup {
  /** Each TXT record at `name` as one string (its character-strings joined without spaces). */
  txt(name: string): Promise<string[]>;
  a(name: string): Promise<string[]>;
  aaaa(name: string): Promise<string[]>;
  mx(name: string): Promise<MxRecord[]>;
  /** The names a reverse lookup of `ip` gives (PTR records at in-addr.arpa / ip6.arpa). */
  ptr(ip: string): Promise<string[]>;
}

export class DnsTempError extends Error {
  constructor(
    readonly hostname: string,
    readonly code: string,
  ) {
    super(`DNS lookup of ${hostname} failed (${code})`);
    this.name = 'DnsTempError';
  }
}

const EMPTY_CODES = new Set(['ENOTFOUND', 'ENODATA', 'NXDOMAIN', 'NODATA']);

export interface DnsOptions {
  /** DNS servers as `HOST` or `HOST:PORT` (IPv6: `[::1]:53`); empty: the system's. */
  servers?: string[];
  timeoutMs?: number;
  tries?: number;
}

/** The configured DNS servers (`POSTROOM_DNS`: comma-separated) as resolver options. */
export function dnsOptionsOf(config: { servers?: string | undefined; timeoutMs: number }, override?: string): DnsOptions {
  const list = (override ?? config.servers ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return { servers: list, timeoutMs: config.timeoutMs };
}

/** Lookups through node's resolver (c-ares), optionally against given servers. */
export function createDnsLookup(options: DnsOptions = {}): DnsLookup {
  const resolver = new Resolver({ timeout: options.timeoutMs ?? 3000, tries: options.tries ?? 2 });
  if (options.servers?.length) resolver.setServers(options.servers);
  const ask = async <T>(name: string, run: () => Promise<T[]>): Promise<T[]> => {
    try {
      return await run();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'EUNKNOWN';
      if (EMPTY_CODES.has(code)) return [];
      throw new DnsTempError(name, code);
    }
  };
  return {
    txt: (name) => ask(name, async () => (await resolver.resolveTxt(name)).map((chunks) => chunks.join(''))),
    a: (name) => ask(name, () => resolver.resolve4(name)),
    aaaa: (name) => ask(name, () => resolver.resolve6(name)),
    mx: (name) => ask(name, async () => (await resolver.resolveMx(name)).map((r) => ({ exchange: r.exchange, priority: r.priority }))),
    ptr: (ip) => ask(ip, () => resolver.reverse(ip)),
  };
}

