/**
 * Suggesting the SPF record a domain should publish so that Postroom's servers pass: the terms we
 * need added to what the domain publishes now, never a second record (RFC 7208 §4.5: two SPF
 * records are a permerror). And a count of the DNS lookups a record costs (§4.6.4), so callers can
 * warn before receivers give permerror.
 */
import type { DnsLookup } from '../dns.js';
import { isSpfRecord } from './spf-record.js';

export const SPF_LOOKUP_LIMIT = 10;

export interface SpfMerge {
  action: 'new' | 'merged' | 'unchanged';
  record: string;
  warnings: string[];
}

const isAll = (term: string): boolean => /^[+\-~?]?all$/i.test(term);
/** §4.6.1: a modifier's name is followed at once by "=", before any ":" or "/". */
const isModifier = (term: string): boolean => /^[a-z][a-z0-9\-_.]*=/i.test(term);

/** Two spellings of the same term: case, an explicit "+" and a full-length prefix do not matter. */
function termKey(term: string): string {
  return term
    .toLowerCase()
    .replace(/^\+/, '')
    .replace(/^(ip4:[^/]+)\/32$/, '$1')
    .replace(/^(ip6:[^/]+)\/128$/, '$1');
}

const termsOf = (record: string): string[] => record.split(' ').filter(Boolean).slice(1);

/**
 * `existing`: every TXT record at the domain. `mechanism`: one or more space-separated terms to
 * add (e.g. `include:spf.example.net`, `ip4:192.0.2.1 ip6:2001:db8::1`).
 */
export function mergeSpf(existing: string[], mechanism: string): SpfMerge {
  const adding = mechanism.trim().split(/\s+/).filter(Boolean);
  const records = existing.filter(isSpfRecord);
  const first = records[0];
  if (first === undefined) return { action: 'new', record: ['v=spf1', ...adding, '~all'].join(' '), warnings: [] };

  const warnings: string[] = [];
  const terms = first.split(' ').filter(Boolean);
  const keys = new Set(terms.slice(1).map(termKey));
  const missing: string[] = [];
  const take = (term: string) => {
    if (keys.has(termKey(term))) return;
    keys.add(termKey(term));
    missing.push(term);
  };

  if (records.length > 1) {
    // Fold the other records' mechanisms into the first; their all and modifiers cannot be
    // combined with the first record's, so they are dropped (and said so).
    const dropped: string[] = [];
    for (const other of records.slice(1)) {
      for (const term of termsOf(other)) {
        if (isModifier(term)) dropped.push(term);
        else if (!isAll(term)) take(term);
      }
    }
    warnings.push(
      `the domain publishes ${records.length} SPF records and must publish exactly one (RFC 7208 §4.5: receivers treat more than one as a permerror): publish this merged record in place of all of them`,
    );
    if (dropped.length) warnings.push(`the merged record leaves out ${dropped.join(', ')} from the other SPF records`);
  }
  adding.forEach(take);
  if (missing.length === 0 && records.length === 1) return { action: 'unchanged', record: first, warnings };

  // Before "all" (mechanisms after it are never reached, §5.1); with no "all", before redirect=
  // (which only applies once every mechanism failed to match, §6.1); otherwise at the end.
  const allAt = terms.findIndex((t, i) => i > 0 && isAll(t));
  const redirectAt = terms.findIndex((t) => /^redirect=/i.test(t));
  const at = allAt > 0 ? allAt : redirectAt > 0 ? redirectAt : terms.length;
  terms.splice(at, 0, ...missing);
  return { action: 'merged', record: terms.join(' '), warnings };
}

const LOOKUP_TERM = /^[+\-~?]?(include:|a(?=$|[:/])|mx(?=$|[:/])|ptr(?=$|:)|exists:|redirect=)/i;
/** Deep enough to see a chain pass the 10-lookup limit; loops are cut by `seen`. */
const MAX_DEPTH = SPF_LOOKUP_LIMIT + 5;

/**
 * The DNS-querying terms (include a mx ptr exists redirect) `record` costs, following include and
 * redirect targets that hold no macros, to a depth of 10 and never into a loop. `path` lists each
 * counted term with the include/redirect chain that reached it (`include:a.example → mx`).
 * A redirect next to an `all` is not counted: it never applies (§5.1).
 */
export async function countLookups(record: string, dns: DnsLookup): Promise<{ lookups: number; path: string[] }> {
  const path: string[] = [];
  const walk = async (text: string, chain: string[], seen: Set<string>): Promise<void> => {
    const terms = termsOf(text);
    const hasAll = terms.some(isAll);
    for (const term of terms) {
      const kind = LOOKUP_TERM.exec(term)?.[1]?.toLowerCase();
      if (!kind || (kind === 'redirect=' && hasAll)) continue;
      path.push([...chain, term].join(' → '));
      if (kind !== 'include:' && kind !== 'redirect=') continue;
      const target = term.slice(term.search(/[:=]/) + 1).replace(/\.$/, '').toLowerCase();
      if (!target || target.includes('%') || chain.length + 1 >= MAX_DEPTH || seen.has(target)) continue;
      const found = (await dns.txt(target).catch(() => [])).filter(isSpfRecord);
      if (found.length === 1 && found[0]) await walk(found[0], [...chain, term], new Set([...seen, target]));
    }
  };
  await walk(record, [], new Set());
  return { lookups: path.length, path };
}
