/**
 * SSRF protection: a webhook URL is the one place where a user makes Postroom open a connection
 * to an address of their choosing, so it must not reach loopback, link-local or private networks
 * (an internal admin panel, a cloud metadata service at 169.254.169.254) unless an admin allows
 * it with the setting `webhooks_allow_private`.
 *
 * The check runs when the URL is saved and again at every delivery, inside the connection's own
 * DNS lookup: the address checked is the address connected to, so a name that resolves to a
 * public address when saved and to 127.0.0.1 later (DNS rebinding) is still refused.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { InputError } from '../lib/input-error.js';

/** Resolves a host name to all its addresses (node:dns lookup by default; tests may pass another). */
export type ResolveHost = (host: string) => Promise<LookupAddress[]>;

export const resolveHost: ResolveHost = (host) =>
  new Promise((resolve, reject) => dnsLookup(host, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))));

const blocked = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network" (RFC 1122); 0.0.0.0 reaches the local host
  ['10.0.0.0', 8], // private (RFC 1918)
  ['100.64.0.0', 10], // carrier-grade NAT (RFC 6598)
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, and cloud metadata services
  ['172.16.0.0', 12], // private (RFC 1918)
  ['192.168.0.0', 16], // private (RFC 1918)
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and the broadcast address
] as const) {
  blocked.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['fc00::', 7], // unique local (RFC 4193)
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const) {
  blocked.addSubnet(network, prefix, 'ipv6');
}

/** True for an address in a loopback, link-local, private or otherwise non-public range. */
export function isPrivateAddress(address: string): boolean {
  // An IPv4-mapped IPv6 address (::ffff:127.0.0.1) reaches the IPv4 address inside it.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return isPrivateAddress(mapped[1]!);
  const family = isIP(address);
  if (family === 0) return true;
  return blocked.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** The URL's host without IPv6 brackets. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '');
}

/**
 * Checks a webhook URL as given by a user: http or https, no credentials, and (unless private
 * addresses are allowed) a host whose every address is public. Returns the normalised URL.
 */
export async function checkWebhookUrl(value: string, allowPrivate: boolean, resolve: ResolveHost = resolveHost): Promise<string> {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InputError('url', 'must be an absolute http or https URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InputError('url', 'must be an http or https URL');
  if (url.username || url.password) throw new InputError('url', 'must not contain a user name or password');
  if (url.hash) throw new InputError('url', 'must not contain a #fragment');
  if (allowPrivate) return url.toString();
  const host = hostOf(url);
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = (await resolve(host)).map((a) => a.address);
    } catch (error) {
      throw new InputError('url', `cannot resolve ${host}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  }
  if (addresses.length === 0) throw new InputError('url', `${host} resolves to no address`);
  const refused = addresses.find(isPrivateAddress);
  if (refused !== undefined) {
    const what = refused === host ? `${host} is` : `${host} resolves to ${refused},`;
    throw new InputError('url', `${what} a loopback, link-local or private address; an admin may allow these with the setting webhooks_allow_private`);
  }
  return url.toString();
}

/** Refused at delivery time; the message says why, for the delivery log. */
export class PrivateAddressError extends Error {
  readonly code = 'EPRIVATEADDRESS';
  constructor(host: string, address: string) {
    super(`${host} resolves to ${address}, a loopback, link-local or private address (setting webhooks_allow_private is off)`);
    this.name = 'PrivateAddressError';
  }
}

/**
 * A `lookup` for http.request that resolves every address and refuses the connection when any of
 * them is private: the socket then connects only to an address that was checked.
 */
export function guardedLookup(resolve: ResolveHost = resolveHost): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (all) => {
        const wanted = options.family === 4 || options.family === 6 ? all.filter((a) => a.family === options.family) : all;
        const refused = wanted.find((a) => isPrivateAddress(a.address));
        if (refused) return callback(new PrivateAddressError(hostname, refused.address), '', 0);
        const first = wanted[0];
        if (!first) return callback(Object.assign(new Error(`${hostname}: no address`), { code: 'ENOTFOUND' }), '', 0);
        if (options.all) return callback(null, wanted);
        return callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };
}
