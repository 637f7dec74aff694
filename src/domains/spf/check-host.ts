/**
 * check_host() of RFC 7208: whether `ip` may send mail for `domain`. Initial processing (§4.3),
 * record lookup and selection (§4.4, §4.5), evaluation in order with include and redirect (§4.6,
 * §5, §6.1), the lookup limits (§4.6.4), and the explanation of a fail (§6.2).
 */
import type { DnsLookup } from '../dns.js';
import { isValidSpfDomain, withoutTrailingDot } from './spf-domain.js';
import { parseIp } from './spf-ip.js';
import { expandMacros, parseMacroString } from './spf-macros.js';
import { matchMechanism } from './spf-mechanisms.js';
import { isSpfRecord, parseSpfRecord, type Qualifier, type SpfMechanism, type SpfModifier } from './spf-record.js';
import { DEFAULT_LIMITS, SpfAbort, SpfSession, type SpfLimits } from './spf-session.js';

export interface SpfResult {
  result: 'pass' | 'fail' | 'softfail' | 'neutral' | 'none' | 'permerror' | 'temperror';
  /** The domain checked (the one asked about, not an include or redirect target). */
  domain: string;
  /** The term that decided the result as written (e.g. `-all`, `include:spf.example.net`). */
  mechanism: string | null;
  /** The domain's explanation of a fail (its `exp=`), when it published a usable one. */
  explanation: string | null;
  /** DNS-querying terms evaluated (§4.6.4). */
  lookups: number;
  voidLookups: number;
  /** Why, in one sentence. */
  reason: string;
}

export interface SpfCheckInput {
  /** The client's address; an IPv4-mapped IPv6 address is checked as IPv4 (§5). */
  ip: string;
  /** The domain whose policy is checked: the MAIL FROM domain, or the HELO name. */
  domain: string;
  /** MAIL FROM; empty for a bounce (then `postmaster@` the HELO name, §2.4). */
  sender: string;
  /** HELO/EHLO name, for `%{h}` (and the sender of a bounce). */
  helo?: string;
  /** This receiver's host name, for `%{r}` in explanations. */
  receiver?: string;
  /** Milliseconds since the epoch (Date.now()), for `%{t}` in explanations. */
  now?: number;
}

type Outcome = Pick<SpfResult, 'mechanism' | 'explanation' | 'reason'> & { result: 'pass' | 'fail' | 'softfail' | 'neutral' | 'none' };

const QUALIFIER_RESULT: Record<Qualifier, 'pass' | 'fail' | 'softfail' | 'neutral'> = { '+': 'pass', '-': 'fail', '~': 'softfail', '?': 'neutral' };

const COUNTS = ['no', 'one', 'two', 'three', 'four', 'five'];
const countWord = (n: number): string => COUNTS[n] ?? String(n);

export async function checkHost(input: SpfCheckInput, dns: DnsLookup, limits: Partial<SpfLimits> = {}): Promise<SpfResult> {
  // §4.3: the sender without a local part has "postmaster"; a bounce checks the HELO identity.
  const sender = input.sender || `postmaster@${input.helo ?? input.domain}`;
  const at = sender.lastIndexOf('@');
  const localPart = (at >= 0 ? sender.slice(0, at) : '') || 'postmaster';
  const senderDomain = withoutTrailingDot(at >= 0 ? sender.slice(at + 1) : sender);
  const domain = withoutTrailingDot(input.domain || senderDomain);
  const done = (result: SpfResult['result'], reason: string, extra: Partial<SpfResult> = {}): SpfResult => ({
    result,
    domain,
    mechanism: null,
    explanation: null,
    lookups: 0,
    voidLookups: 0,
    reason,
    ...extra,
  });

  // A bracketed literal ([2001:db8::1]) is accepted as the address inside.
  const ip = parseIp(input.ip.trim().replace(/^\[(.*)\]$/, '$1'));
  if (!ip) return done('permerror', `${input.ip} is not an IP address`);
  if (!isValidSpfDomain(domain)) return done('none', `${domain || 'the empty name'} is not a valid domain name, so it has no SPF record (RFC 7208 §4.3)`);

  const session = new SpfSession(dns, { ...DEFAULT_LIMITS, ...limits }, {
    ip,
    sender: `${localPart}@${senderDomain}`,
    localPart,
    senderDomain,
    helo: input.helo ?? 'unknown',
    receiver: input.receiver ?? 'unknown',
    now: Math.floor((input.now ?? Date.now()) / 1000),
  });
  try {
    const outcome = await evaluate(session, domain, domain, true);
    return done(outcome.result, outcome.reason, { ...outcome, lookups: session.lookups, voidLookups: session.voidLookups });
  } catch (error) {
    if (!(error instanceof SpfAbort)) throw error;
    return done(error.result, error.message, { lookups: session.lookups, voidLookups: session.voidLookups });
  }
}

/**
 * One record: §4.4 lookup, §4.5 selection, mechanisms in order, then redirect, else neutral.
 * Errors end the whole check (SpfAbort); "none" is returned for the caller to map (§5.2, §6.1).
 * `explain`: fetch the explanation on fail (the checked domain and redirect targets, not
 * include targets, §6.2).
 */
async function evaluate(session: SpfSession, top: string, domain: string, explain: boolean): Promise<Outcome> {
  const texts = await session.ask(domain, (dns) => dns.txt(domain));
  const records = texts.filter(isSpfRecord);
  if (records.length === 0) return { result: 'none', mechanism: null, explanation: null, reason: `no SPF record at ${domain}` };
  if (records.length > 1) throw new SpfAbort('permerror', `${countWord(records.length)} SPF records at ${domain}`);
  const parsed = parseSpfRecord(records[0] ?? '');
  if (!parsed.ok) throw new SpfAbort('permerror', `the SPF record at ${domain} is invalid: ${parsed.error}`);
  const { mechanisms, redirect, exp } = parsed.record;
  const where = domain === top ? '' : ` at ${domain}`;

  for (const mech of mechanisms) {
    let detail = '';
    if (mech.kind === 'include') {
      const inner = await include(session, top, mech, domain);
      if (inner.result !== 'pass') continue;
      detail = ` (${inner.reason})`;
    } else if (!(await matchMechanism(session, mech, domain))) {
      continue;
    }
    const result = QUALIFIER_RESULT[mech.qualifier];
    const explanation = result === 'fail' && explain && exp ? await explanationOf(session, exp, domain) : null;
    return { result, mechanism: mech.term, explanation, reason: `${mech.term} matched${where}${detail}` };
  }

  if (redirect) return follow(session, top, redirect, domain, explain);
  return { result: 'neutral', mechanism: null, explanation: null, reason: `no mechanism matched${where || ` at ${domain}`}, and the default is neutral` };
}

/** The target of include/redirect; a name that cannot exist is a permerror (§5.2, §6.1). */
async function targetOf(session: SpfSession, term: string, spec: SpfMechanism['domainSpec'], domain: string): Promise<string> {
  session.countLookup(term);
  const target = await session.targetName(spec, domain);
  if (!target || !isValidSpfDomain(target)) throw new SpfAbort('permerror', `${term} names no valid domain`);
  return target;
}

/**
 * §5.2: the include's own check_host(). pass matches; fail, softfail and neutral do not; none is
 * a permerror; errors propagate as they are.
 */
async function include(session: SpfSession, top: string, mech: SpfMechanism, domain: string): Promise<Outcome> {
  const target = await targetOf(session, mech.term, mech.domainSpec, domain);
  session.trail.push(mech.term);
  const inner = await evaluate(session, top, target, false);
  session.trail.pop();
  if (inner.result === 'none') throw new SpfAbort('permerror', `${mech.term} found no SPF record at ${target}`);
  return inner;
}

/** §6.1: the result is the target's, its explanation included; no record there is a permerror. */
async function follow(session: SpfSession, top: string, redirect: SpfModifier, domain: string, explain: boolean): Promise<Outcome> {
  const target = await targetOf(session, redirect.term, redirect.value, domain);
  session.trail.push(redirect.term);
  const inner = await evaluate(session, top, target, explain);
  if (inner.result === 'none') throw new SpfAbort('permerror', `${redirect.term} found no SPF record at ${target}`);
  return inner;
}

/**
 * §6.2: the TXT record at the expanded exp= target, macro-expanded. Any trouble (no record, more
 * than one, a DNS error, a syntax error in the text) means no explanation; the lookup counts
 * against neither limit (§4.6.4).
 */
async function explanationOf(session: SpfSession, exp: SpfModifier, domain: string): Promise<string | null> {
  try {
    const target = await session.targetName(exp.value, domain, false);
    if (!target) return null;
    const texts = await session.dns.txt(target);
    if (texts.length !== 1) return null;
    const parsed = parseMacroString(texts[0] ?? '', 'explain');
    return parsed.ok ? await expandMacros(parsed.tokens, session.macroContext(domain, false)) : null;
  } catch {
    return null;
  }
}
