/**
 * The state of one check_host() run shared by every record it reaches through include and
 * redirect: the DNS lookup budget (RFC 7208 §4.6.4), the void-lookup budget, the include/redirect
 * trail (for the reason given when a limit is passed), and the macro context (§7).
 */
import { DnsTempError, type DnsLookup } from '../dns.js';
import { isQueryableName, isSameOrSubdomain, truncateName, withoutTrailingDot } from './spf-domain.js';
import { formatIp, parseIp, sameIp, type SpfIp } from './spf-ip.js';
import { expandMacros, type MacroContext, type MacroToken } from './spf-macros.js';

export interface SpfLimits {
  /** §4.6.4: terms that query DNS (include a mx ptr exists redirect), all records together. */
  lookups: number;
  /** §4.6.4: lookups that found no records (NXDOMAIN or an empty answer). */
  voidLookups: number;
  /** §4.6.4: names one mx mechanism may look up addresses for. */
  mxNames: number;
  /** §4.6.4: PTR names one ptr mechanism (or %{p}) considers. */
  ptrNames: number;
}

export const DEFAULT_LIMITS: SpfLimits = { lookups: 10, voidLookups: 2, mxNames: 10, ptrNames: 10 };

/** Ends the whole check with permerror or temperror; `message` becomes the result's reason. */
export class SpfAbort extends Error {
  constructor(
    readonly result: 'permerror' | 'temperror',
    message: string,
  ) {
    super(message);
    this.name = 'SpfAbort';
  }
}

export interface SpfIdentity {
  ip: SpfIp;
  sender: string;
  localPart: string;
  senderDomain: string;
  helo: string;
  receiver: string;
  /** Seconds since the epoch. */
  now: number;
}

const describeChain = (chain: string[]): string =>
  chain.length <= 4 ? chain.join(' → ') : `${chain.slice(0, 3).join(' → ')} → … → ${chain[chain.length - 1]}`;

export class SpfSession {
  lookups = 0;
  voidLookups = 0;
  /** The include/redirect terms that led to the record being evaluated. */
  readonly trail: string[] = [];
  private readonly voidNames: string[] = [];
  private ptrCache: Promise<string[] | null> | null = null;

  constructor(
    readonly dns: DnsLookup,
    readonly limits: SpfLimits,
    readonly id: SpfIdentity,
  ) {}

  /** §4.6.4: one more DNS-querying term; past the limit the check is a permerror. */
  countLookup(term: string): void {
    this.lookups++;
    if (this.lookups > this.limits.lookups) {
      throw new SpfAbort('permerror', `more than ${this.limits.lookups} DNS lookups (${describeChain([...this.trail, term])})`);
    }
  }

  /** §4.6.4: a term whose lookup found nothing. */
  countVoid(name: string): void {
    this.voidLookups++;
    this.voidNames.push(name);
    if (this.voidLookups > this.limits.voidLookups) {
      throw new SpfAbort('permerror', `more than ${this.limits.voidLookups} void DNS lookups (nothing at ${this.voidNames.join(', ')})`);
    }
  }

  /** A DNS query whose failure ends the check with temperror (§4.4, §5). */
  async ask<T>(name: string, run: (dns: DnsLookup) => Promise<T[]>): Promise<T[]> {
    try {
      return await run(this.dns);
    } catch (error) {
      // DnsTempError already says "DNS lookup of NAME failed (CODE)".
      const message = error instanceof DnsTempError ? error.message : `DNS lookup of ${name} failed (${error instanceof Error ? error.message : String(error)})`;
      throw new SpfAbort('temperror', message);
    }
  }

  /** The addresses of `name` of the client's IP version: A for IPv4 (mapped too), AAAA for IPv6 (§5). */
  async addresses(name: string): Promise<{ answers: number; ips: SpfIp[] }> {
    const v4 = this.id.ip.version === 4;
    const list = await this.ask(name, (dns) => (v4 ? dns.a(name) : dns.aaaa(name)));
    const ips = list.map((text) => parseIp(text, false)).filter((ip): ip is SpfIp => ip !== null && ip.version === this.id.ip.version);
    return { answers: list.length, ips };
  }

  macroContext(domain: string, countP: boolean): MacroContext {
    return {
      ...this.id,
      domain,
      validatedName: async () => {
        // §4.6.4: the %{p} PTR lookup counts like a ptr mechanism (not in explanations, which
        // are fetched after evaluation).
        if (countP) this.countLookup('%{p}');
        return this.validatedName(domain);
      },
    };
  }

  /**
   * §4.8: the <target-name> of a domain-spec (or <domain> when there is none): expanded, trailing
   * dot dropped, cut to 253 characters (§7.3). Null when it cannot be a DNS name (an empty label,
   * a label over 63 characters): such a name has no records.
   */
  async targetName(spec: MacroToken[] | null, domain: string, countP = true): Promise<string | null> {
    if (!spec) return domain;
    const name = truncateName(withoutTrailingDot(await expandMacros(spec, this.macroContext(domain, countP))));
    return isQueryableName(name) ? name : null;
  }

  /** The first `ptrNames` names a reverse lookup of the client gives; null on a DNS error. */
  ptrNames(): Promise<string[] | null> {
    this.ptrCache ??= this.dns.ptr(formatIp(this.id.ip)).then(
      (names) => names.map(withoutTrailingDot).slice(0, this.limits.ptrNames),
      () => null,
    );
    return this.ptrCache;
  }

  /** §5.5: a PTR name is validated when its own addresses include the client; errors skip it. */
  async validates(name: string): Promise<boolean> {
    if (!isQueryableName(name)) return false;
    try {
      return (await this.addresses(name)).ips.some((ip) => sameIp(ip, this.id.ip));
    } catch {
      return false;
    }
  }

  /**
   * §7.3 `p`: <domain> itself if validated, else a validated subdomain of it, else any validated
   * name, else "unknown".
   */
  private async validatedName(domain: string): Promise<string> {
    const names = (await this.ptrNames()) ?? [];
    const ranked = [
      ...names.filter((n) => n.toLowerCase() === domain.toLowerCase()),
      ...names.filter((n) => n.toLowerCase() !== domain.toLowerCase() && isSameOrSubdomain(n, domain)),
      ...names.filter((n) => !isSameOrSubdomain(n, domain)),
    ];
    for (const name of ranked) if (await this.validates(name)) return name;
    return 'unknown';
  }
}
