/**
 * Whether one mechanism matches the client (RFC 7208 §5.1, §5.3–§5.7). `include` recurses into
 * check_host() and lives with the evaluator (check-host.ts).
 */
import { isSameOrSubdomain, isQueryableName, withoutTrailingDot } from './spf-domain.js';
import { formatIp, inNetwork } from './spf-ip.js';
import type { SpfMechanism } from './spf-record.js';
import { SpfAbort, type SpfSession } from './spf-session.js';

type Matcher = (session: SpfSession, mech: SpfMechanism, domain: string) => Promise<boolean>;

/** The prefix length that applies to the client: the IPv4 one or the IPv6 one (§5.6). */
const prefixFor = (session: SpfSession, mech: SpfMechanism): number => (session.id.ip.version === 4 ? mech.cidr4 : mech.cidr6);

/** §5.3: any address of the target within the prefix; no address at all is a void lookup. */
const matchA: Matcher = async (session, mech, domain) => {
  session.countLookup(mech.term);
  const target = await session.targetName(mech.domainSpec, domain);
  if (!target) return false;
  const { answers, ips } = await session.addresses(target);
  if (answers === 0) session.countVoid(target);
  return ips.some((ip) => inNetwork(session.id.ip, ip, prefixFor(session, mech)));
};

/**
 * §5.4: the addresses of the target's MX hosts, in preference order. No MX records means no match
 * (never an implicit MX, §5.4). Needing addresses for more than `mxNames` hosts is a permerror
 * (§4.6.4).
 */
const matchMx: Matcher = async (session, mech, domain) => {
  session.countLookup(mech.term);
  const target = await session.targetName(mech.domainSpec, domain);
  if (!target) return false;
  const records = await session.ask(target, (dns) => dns.mx(target));
  if (records.length === 0) session.countVoid(target);
  const hosts = [...records]
    .sort((a, b) => a.priority - b.priority)
    .map((r) => withoutTrailingDot(r.exchange))
    // A null MX (RFC 7505: ".") names no host.
    .filter((host) => host !== '' && isQueryableName(host));
  for (const [index, host] of hosts.entries()) {
    if (index >= session.limits.mxNames) {
      throw new SpfAbort('permerror', `${mech.term}: ${target} has more than ${session.limits.mxNames} MX hosts to look up`);
    }
    const { ips } = await session.addresses(host);
    if (ips.some((ip) => inNetwork(session.id.ip, ip, prefixFor(session, mech)))) return true;
  }
  return false;
};

/**
 * §5.5: a validated PTR name of the client that is the target or below it. A DNS error on the PTR
 * lookup means no match rather than temperror (§5.5), and names past `ptrNames` are ignored.
 */
const matchPtr: Matcher = async (session, mech, domain) => {
  session.countLookup(mech.term);
  const target = await session.targetName(mech.domainSpec, domain);
  if (!target) return false;
  const names = await session.ptrNames();
  if (names === null) return false;
  if (names.length === 0) session.countVoid(`the PTR name of ${formatIp(session.id.ip)}`);
  for (const name of names) {
    if (isSameOrSubdomain(name, target) && (await session.validates(name))) return true;
  }
  return false;
};

/** §5.7: any A record at the target, whatever the client's IP version. */
const matchExists: Matcher = async (session, mech, domain) => {
  session.countLookup(mech.term);
  const target = await session.targetName(mech.domainSpec, domain);
  if (!target) return false;
  const found = await session.ask(target, (dns) => dns.a(target));
  if (found.length === 0) session.countVoid(target);
  return found.length > 0;
};

const matchIp: Matcher = async (session, mech) =>
  mech.network !== null && inNetwork(session.id.ip, mech.network, mech.network.version === 4 ? mech.cidr4 : mech.cidr6);

const MATCHERS: Record<Exclude<SpfMechanism['kind'], 'include'>, Matcher> = {
  all: async () => true,
  a: matchA,
  mx: matchMx,
  ptr: matchPtr,
  exists: matchExists,
  ip4: matchIp,
  ip6: matchIp,
};

export function matchMechanism(session: SpfSession, mech: SpfMechanism, domain: string): Promise<boolean> {
  if (mech.kind === 'include') throw new Error('include is evaluated by checkHost');
  return MATCHERS[mech.kind](session, mech, domain);
}
