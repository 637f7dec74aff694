/**
 * Parsing one SPF record (RFC 7208 §4.5, §4.6, ABNF in §12) into mechanisms and modifiers. The
 * whole record is checked before evaluation starts (§4.6: a syntax error anywhere gives
 * permerror, even after a mechanism that would have matched).
 */
import { parseIp, parseIp4Network, type SpfIp } from './spf-ip.js';
import { parseMacroString, type MacroMode, type MacroToken } from './spf-macros.js';

export type Qualifier = '+' | '-' | '~' | '?';
export type MechanismKind = 'all' | 'include' | 'a' | 'mx' | 'ptr' | 'ip4' | 'ip6' | 'exists';

export interface SpfMechanism {
  kind: MechanismKind;
  qualifier: Qualifier;
  /** The term as written, qualifier included. */
  term: string;
  /** The domain-spec (include a mx ptr exists), or null to use the current <domain>. */
  domainSpec: MacroToken[] | null;
  /** ip4 / ip6: the network. */
  network: SpfIp | null;
  /** Prefix lengths: ip4 and a/mx for IPv4 clients, ip6 and a/mx for IPv6 clients. */
  cidr4: number;
  cidr6: number;
}

export interface SpfModifier {
  name: string;
  term: string;
  value: MacroToken[];
}

export interface SpfRecord {
  mechanisms: SpfMechanism[];
  redirect: SpfModifier | null;
  exp: SpfModifier | null;
  /** Unknown modifiers: syntax-checked, then ignored (§6). */
  unknown: SpfModifier[];
}

export type SpfParse = { ok: true; record: SpfRecord } | { ok: false; error: string };

class SpfSyntaxError extends Error {}

/** §4.5: "v=spf1" (any case) followed by a space or the end of the record; "v=spf10" is not one. */
export const isSpfRecord = (text: string): boolean => /^v=spf1(?: |$)/i.test(text);

const MECHANISMS = new Set<string>(['all', 'include', 'a', 'mx', 'ptr', 'ip4', 'ip6', 'exists']);
/** toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum ) */
const DOMAIN_END = /\.(?:[a-z0-9]*[a-z][a-z0-9]*|[a-z0-9]+-[a-z0-9-]*[a-z0-9])\.?$/i;

/**
 * domain-spec = macro-string domain-end; domain-end = ( "." toplabel [ "." ] ) / macro-expand.
 * The check is on the text as written, never on the expansion (test suite: invalid-hello-macro).
 */
function domainSpec(text: string, term: string, mode: MacroMode = 'domain'): MacroToken[] {
  if (!text) throw new SpfSyntaxError(`"${term}" needs a domain`);
  const parsed = parseMacroString(text, mode);
  if (!parsed.ok) throw new SpfSyntaxError(parsed.error);
  const last = parsed.tokens[parsed.tokens.length - 1];
  // A trailing macro-expand ends the spec; "%%", "%_" and "%-" were folded into literal text
  // by the parser, so recognise them on the raw text.
  const endsWithMacro = typeof last === 'object' || /(?:^|[^%])(?:%%)*%[%_-]$/.test(text);
  if (!endsWithMacro && !DOMAIN_END.test(text)) {
    throw new SpfSyntaxError(`"${text}" in "${term}" does not end in a valid top-level label`);
  }
  return parsed.tokens;
}

/** ip4-cidr-length / ip6-cidr-length: no leading zeros, at most 32 / 128. */
function cidr(text: string, max: number, term: string): number {
  if (!/^(?:0|[1-9]\d*)$/.test(text) || Number(text) > max) throw new SpfSyntaxError(`"/${text}" in "${term}" is not a valid prefix length`);
  return Number(text);
}

function mechanism(term: string): SpfMechanism {
  const qualifier = '+-~?'.includes(term[0] ?? '') ? (term[0] as Qualifier) : '+';
  const body = qualifier === term[0] ? term.slice(1) : term;
  const nameMatch = /^[a-z][a-z0-9]*/i.exec(body);
  const kind = nameMatch?.[0].toLowerCase() ?? '';
  if (!MECHANISMS.has(kind)) throw new SpfSyntaxError(`unknown mechanism "${term}"`);
  const rest = body.slice(kind.length);
  const out: SpfMechanism = { kind: kind as MechanismKind, qualifier, term, domainSpec: null, network: null, cidr4: 32, cidr6: 128 };
  switch (out.kind) {
    case 'all':
      if (rest) throw new SpfSyntaxError(`"all" takes no argument ("${term}")`);
      return out;
    case 'include':
    case 'exists':
      if (!rest.startsWith(':')) throw new SpfSyntaxError(`"${term}" needs ":" and a domain`);
      out.domainSpec = domainSpec(rest.slice(1), term);
      return out;
    case 'ptr':
      if (rest && !rest.startsWith(':')) throw new SpfSyntaxError(`"${term}" is not a valid ptr mechanism`);
      if (rest) out.domainSpec = domainSpec(rest.slice(1), term);
      return out;
    case 'a':
    case 'mx': {
      // [ ":" domain-spec ] [ dual-cidr-length ]; dual-cidr-length = [ "/" ip4 ] [ "//" ip6 ].
      const m = /^(.*?)(?:\/(\d+))?(?:\/\/(\d+))?$/s.exec(rest);
      const spec = m?.[1] ?? rest;
      if (spec && !spec.startsWith(':')) throw new SpfSyntaxError(`"${term}" is not a valid ${kind} mechanism`);
      if (spec) out.domainSpec = domainSpec(spec.slice(1), term);
      if (m?.[2] !== undefined) out.cidr4 = cidr(m[2], 32, term);
      if (m?.[3] !== undefined) out.cidr6 = cidr(m[3], 128, term);
      return out;
    }
    case 'ip4':
    case 'ip6': {
      const m = /^:([^/]*)(?:\/([^/]*))?$/s.exec(rest);
      if (!m) throw new SpfSyntaxError(`"${term}" needs ":" and a network`);
      const network = out.kind === 'ip4' ? parseIp4Network(m[1] ?? '') : parseIp(m[1] ?? '', false);
      if (!network || network.version !== (out.kind === 'ip4' ? 4 : 6)) throw new SpfSyntaxError(`"${m[1]}" in "${term}" is not an ${kind} network`);
      out.network = network;
      if (m[2] !== undefined) out[out.kind === 'ip4' ? 'cidr4' : 'cidr6'] = cidr(m[2], out.kind === 'ip4' ? 32 : 128, term);
      return out;
    }
  }
}

/** Parse a record already selected with `isSpfRecord`. */
export function parseSpfRecord(text: string): SpfParse {
  const record: SpfRecord = { mechanisms: [], redirect: null, exp: null, unknown: [] };
  try {
    if (!isSpfRecord(text)) throw new SpfSyntaxError('the record does not start with "v=spf1"');
    // terms = *( 1*SP ( directive / modifier ) ): only spaces separate terms (§4.6.1).
    for (const term of text.slice(6).split(' ').filter(Boolean)) {
      // §4.6.1: a modifier is a name followed at once by "=", before any ":" or "/".
      const modifier = /^([a-z][a-z0-9\-_.]*)=(.*)$/is.exec(term);
      if (!modifier) {
        record.mechanisms.push(mechanism(term));
        continue;
      }
      const name = (modifier[1] ?? '').toLowerCase();
      const raw = modifier[2] ?? '';
      if (name === 'redirect' || name === 'exp') {
        // §6: each at most once.
        if (record[name]) throw new SpfSyntaxError(`"${name}=" appears more than once`);
        record[name] = { name, term, value: domainSpec(raw, term) };
      } else {
        const parsed = parseMacroString(raw, 'modifier');
        if (!parsed.ok) throw new SpfSyntaxError(parsed.error);
        record.unknown.push({ name, term, value: parsed.tokens });
      }
    }
  } catch (error) {
    if (error instanceof SpfSyntaxError) return { ok: false, error: error.message };
    throw error;
  }
  return { ok: true, record };
}
