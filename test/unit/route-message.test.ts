import { describe, expect, it } from 'vitest';
import { routeMessage, type RoutableServer } from '../../src/servers/route-message.js';
import { rewriteFrom } from '../../src/delivery/rewrite-from.js';

let created = 0;
function server(name: string, fromFilter: string, priority = 10, active = true): RoutableServer {
  created += 1;
  return { id: `srv_${name}`, name, fromFilter, priority, active, createdAt: created };
}

const settings = { domainAlias: 'example.net', defaultFrom: 'notifications' };

function routeName(servers: RoutableServer[], from: string, requested: string | null = null, s = settings): string {
  const route = routeMessage(servers, s, from, requested);
  return route.kind === 'route' ? `${route.server.name}${route.rewrittenFrom ? ` as ${route.rewrittenFrom}` : ''}` : `none: ${route.reason}`;
}

describe('routing table', () => {
  const any = server('any', '', 1);
  const domain = server('domain', 'example.com', 50);
  const address = server('address', 'news@example.com', 90);
  const list = server('list', 'other.org, billing@example.com', 20);
  const inactiveAddress = server('inactive-address', 'ceo@example.com', 1, false);
  const servers = [any, domain, address, list, inactiveAddress];

  const table: Array<[string, string, string | null, string]> = [
    // from address, what it matches, requested server → expected route
    ['news@example.com', 'address filter beats domain and empty filters despite a worse priority', null, 'address'],
    ['NEWS@Example.COM', 'filters compare case-insensitively', null, 'address'],
    ['sales@example.com', 'domain filter beats the empty filter', null, 'domain'],
    ['billing@example.com', 'an address inside a comma-separated list', null, 'list'],
    ['someone@other.org', 'a domain inside a comma-separated list', null, 'list'],
    ['ceo@example.com', 'an inactive server is skipped; the domain match is next', null, 'domain'],
    ['someone@unknown.test', 'only the empty filter matches', null, 'any'],
    ['news@example.com', 'a message that names an active server uses it', 'srv_any', 'any'],
    ['news@example.com', 'a named inactive server is ignored and routing runs', 'srv_inactive-address', 'address'],
  ];
  it.each(table)('%s (%s) → %s', (from, _why, requested, expected) => {
    expect(routeName(servers, from, requested)).toBe(expected);
  });

  it('prefers the lowest priority number within one match level, then creation order', () => {
    const a = server('a', 'example.com', 20);
    const b = server('b', 'example.com', 10);
    const c = server('c', 'example.com', 10);
    expect(routeName([a, b, c], 'x@example.com')).toBe('b');
    expect(routeName([c, b, a].map((s) => s), 'x@example.com')).toBe('b');
  });

  it('rewrites From to default_from@domain_alias when no filter matches, and routes the new address', () => {
    const alias = server('alias', 'example.net', 10);
    const strict = server('strict', 'example.com', 5);
    expect(routeName([alias, strict], 'someone@gmail.test')).toBe('alias as notifications@example.net');
  });

  it('fails with a reason when nothing matches, even after rewriting', () => {
    const strict = server('strict', 'example.com', 5);
    expect(routeName([strict], 'someone@gmail.test')).toMatch(/^none: no active server accepts From someone@gmail.test nor the rewritten From notifications@example.net/);
    expect(routeName([strict], 'someone@gmail.test', null, { domainAlias: null, defaultFrom: null })).toMatch(/^none: .*domain_alias \/ default_from are not set/);
    expect(routeName([], 'a@example.com')).toMatch(/^none:/);
  });
});

describe('From rewriting', () => {
  const raw = Buffer.from(
    'Content-Type: text/plain\r\nFrom: =?UTF-8?Q?Jos=C3=A9?=\r\n <jose@gmail.test>\r\nTo: b@example.org\r\nSubject: Hi\r\n\r\nFrom: not a header\r\n',
  );

  it('replaces From and moves the original, folded and encoded as it was, to Reply-To', () => {
    const out = rewriteFrom(raw, 'notifications@example.net').toString();
    expect(out).toBe(
      'Content-Type: text/plain\r\nFrom: notifications@example.net\r\nReply-To: =?UTF-8?Q?Jos=C3=A9?=\r\n <jose@gmail.test>\r\nTo: b@example.org\r\nSubject: Hi\r\n\r\nFrom: not a header\r\n',
    );
  });

  it('keeps an existing Reply-To', () => {
    const withReply = Buffer.from('From: a@gmail.test\r\nReply-To: desk@gmail.test\r\n\r\nbody');
    expect(rewriteFrom(withReply, 'n@example.net').toString()).toBe('From: n@example.net\r\nReply-To: desk@gmail.test\r\n\r\nbody');
  });
});
