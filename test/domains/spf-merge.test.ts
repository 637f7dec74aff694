/**
 * The SPF record Postroom suggests: our terms merged into what the domain publishes (one record,
 * RFC 7208 §4.5), and the DNS lookups a record costs (§4.6.4).
 */
import { describe, expect, it } from 'vitest';
import type { DnsLookup } from '../../src/domains/dns.js';
import { countLookups, mergeSpf, SPF_LOOKUP_LIMIT } from '../../src/domains/spf/index.js';

const OURS = 'include:spf.example.net';

describe('mergeSpf', () => {
  it.each([
    ['no record', [], OURS, 'new', 'v=spf1 include:spf.example.net ~all'],
    ['only a non-SPF TXT record', ['google-site-verification=abc'], OURS, 'new', 'v=spf1 include:spf.example.net ~all'],
    ['"v=spf10" is not an SPF record', ['v=spf10 -all'], OURS, 'new', 'v=spf1 include:spf.example.net ~all'],
    ['a record with ~all', ['v=spf1 mx ~all'], OURS, 'merged', 'v=spf1 mx include:spf.example.net ~all'],
    ['a record with -all', ['v=spf1 a mx -all'], OURS, 'merged', 'v=spf1 a mx include:spf.example.net -all'],
    ['a record with ?all', ['v=spf1 ip4:198.51.100.0/24 ?all'], OURS, 'merged', 'v=spf1 ip4:198.51.100.0/24 include:spf.example.net ?all'],
    ['exp= after all stays put', ['v=spf1 mx -all exp=why.example.org'], OURS, 'merged', 'v=spf1 mx include:spf.example.net -all exp=why.example.org'],
    ['redirect= without all: before the redirect', ['v=spf1 mx redirect=_spf.example.org'], OURS, 'merged', 'v=spf1 mx include:spf.example.net redirect=_spf.example.org'],
    ['neither all nor redirect: at the end', ['v=spf1 mx'], OURS, 'merged', 'v=spf1 mx include:spf.example.net'],
    ['our include already present', ['v=spf1 include:spf.example.net -all'], OURS, 'unchanged', 'v=spf1 include:spf.example.net -all'],
    ['present in another spelling', ['v=spf1 +INCLUDE:spf.example.net  -all'], OURS, 'unchanged', 'v=spf1 +INCLUDE:spf.example.net  -all'],
    ['a non-SPF TXT record next to the SPF one', ['v=spf1-looking text', 'v=spf1 mx -all', 'site-verification=x'], OURS, 'merged', 'v=spf1 mx include:spf.example.net -all'],
    ['adding ip4 and ip6', ['v=spf1 mx -all'], 'ip4:192.0.2.1 ip6:2001:db8::1', 'merged', 'v=spf1 mx ip4:192.0.2.1 ip6:2001:db8::1 -all'],
    ['adding ip4 and ip6, ip4 present', ['v=spf1 ip4:192.0.2.1/32 -all'], 'ip4:192.0.2.1 ip6:2001:db8::1', 'merged', 'v=spf1 ip4:192.0.2.1/32 ip6:2001:db8::1 -all'],
    ['adding ip4 and ip6, both present', ['v=spf1 ip6:2001:db8::1 ip4:192.0.2.1 ~all'], 'ip4:192.0.2.1 ip6:2001:db8::1', 'unchanged', 'v=spf1 ip6:2001:db8::1 ip4:192.0.2.1 ~all'],
  ] as const)('%s', (_name, existing, mechanism, action, record) => {
    expect(mergeSpf([...existing], mechanism)).toEqual({ action, record, warnings: [] });
  });

  it('merges two SPF records into the first and warns that only one may be published', () => {
    const merged = mergeSpf(['v=spf1 include:_spf.example.org ~all', 'other text', 'v=spf1 ip4:192.0.2.9 mx -all exp=x.example.org'], OURS);
    expect(merged.action).toBe('merged');
    expect(merged.record).toBe('v=spf1 include:_spf.example.org ip4:192.0.2.9 mx include:spf.example.net ~all');
    expect(merged.warnings[0]).toMatch(/publishes 2 SPF records and must publish exactly one/);
    expect(merged.warnings[1]).toMatch(/leaves out exp=x\.example\.org/);
  });

  it('still reports two records when ours is in both', () => {
    const merged = mergeSpf(['v=spf1 include:spf.example.net -all', 'v=spf1 include:spf.example.net -all'], OURS);
    expect(merged).toMatchObject({ action: 'merged', record: 'v=spf1 include:spf.example.net -all' });
    expect(merged.warnings).toHaveLength(1);
  });
});

describe('countLookups', () => {
  const records: Record<string, string[]> = {
    'a.example': ['v=spf1 include:b.example a ptr exists:%{i}.x.example ~all'],
    // No "all": the redirect applies and counts.
    'b.example': ['some other text', 'v=spf1 a mx ip4:192.0.2.0/24 redirect=c.example'],
    'c.example': ['v=spf1 include:loop.example a/24 mx:mail.example include:%{d}.macro.example'],
    // Back to a.example: counted (a receiver would query it) but not followed again.
    'loop.example': ['v=spf1 include:a.example -all redirect=never.example'],
  };
  const dns: DnsLookup = {
    txt: async (name) => records[name] ?? [],
    a: async () => [],
    aaaa: async () => [],
    mx: async () => [],
    ptr: async () => [],
  };

  it('counts DNS-querying terms through include and redirect, past the limit', async () => {
    const { lookups, path } = await countLookups('v=spf1 include:a.example mx ip4:198.51.100.1 -all', dns);
    expect(path).toEqual([
      'include:a.example',
      'include:a.example → include:b.example',
      'include:a.example → include:b.example → a',
      'include:a.example → include:b.example → mx',
      'include:a.example → include:b.example → redirect=c.example',
      'include:a.example → include:b.example → redirect=c.example → include:loop.example',
      'include:a.example → include:b.example → redirect=c.example → include:loop.example → include:a.example',
      'include:a.example → include:b.example → redirect=c.example → a/24',
      'include:a.example → include:b.example → redirect=c.example → mx:mail.example',
      'include:a.example → include:b.example → redirect=c.example → include:%{d}.macro.example',
      'include:a.example → a',
      'include:a.example → ptr',
      'include:a.example → exists:%{i}.x.example',
      'mx',
    ]);
    expect(lookups).toBe(14);
    expect(lookups).toBeGreaterThan(SPF_LOOKUP_LIMIT);
  });

  it('counts a small record without following anything', async () => {
    expect(await countLookups('v=spf1 ip4:192.0.2.1 ip6:2001:db8::1 -all', dns)).toEqual({ lookups: 0, path: [] });
    expect((await countLookups('v=spf1 a mx include:nowhere.example ~all', dns)).lookups).toBe(3);
  });
});
