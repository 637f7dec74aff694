/**
 * IP addresses as SPF sees them: bytes for CIDR matching (RFC 7208 §5.6), IPv4-mapped IPv6
 * addresses treated as IPv4 (§5: "an IPv4-mapped IPv6 address MUST still be considered an IPv4
 * address"), and the text forms the macros need (§7.3: `i` is dotted nibbles for IPv6, `c` is
 * readable).
 */
import { isIPv4, isIPv6 } from 'node:net';

export interface SpfIp {
  version: 4 | 6;
  /** 4 bytes for IPv4, 16 for IPv6. */
  bytes: Uint8Array;
}

const v4Bytes = (text: string): Uint8Array => Uint8Array.from(text.split('.').map(Number));

function v6Bytes(text: string): Uint8Array {
  let hex = text;
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes its two 16-bit groups.
  if (hex.includes('.')) {
    const cut = hex.lastIndexOf(':') + 1;
    const [a = 0, b = 0, c = 0, d = 0] = v4Bytes(hex.slice(cut));
    hex = `${hex.slice(0, cut)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  let groups: string[];
  const gap = hex.indexOf('::');
  if (gap >= 0) {
    const left = hex.slice(0, gap).split(':').filter(Boolean);
    const right = hex.slice(gap + 2).split(':').filter(Boolean);
    groups = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  } else {
    groups = hex.split(':');
  }
  const bytes = new Uint8Array(16);
  groups.forEach((group, i) => {
    const value = parseInt(group, 16);
    bytes[i * 2] = value >> 8;
    bytes[i * 2 + 1] = value & 0xff;
  });
  return bytes;
}

const isMapped = (b: Uint8Array): boolean => b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;

/**
 * The address in `text`, or null when it is not one. With `unmap` (the default, for the
 * connecting client), an IPv4-mapped IPv6 address is returned as IPv4 (§5).
 */
export function parseIp(text: string, unmap = true): SpfIp | null {
  if (isIPv4(text)) return { version: 4, bytes: v4Bytes(text) };
  if (!isIPv6(text) || text.includes('%')) return null;
  const bytes = v6Bytes(text);
  return unmap && isMapped(bytes) ? { version: 4, bytes: bytes.slice(12) } : { version: 6, bytes };
}

/** `ip4-network` of §12: four `qnum`s, no leading zeros, each 0–255. */
export function parseIp4Network(text: string): SpfIp | null {
  const qnum = /^(?:0|[1-9]\d{0,2})$/;
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => qnum.test(p) && Number(p) <= 255)) return null;
  return { version: 4, bytes: Uint8Array.from(parts.map(Number)) };
}

/** Whether `ip` lies in `network/prefix`; addresses of different versions never match. */
export function inNetwork(ip: SpfIp, network: SpfIp, prefix: number): boolean {
  if (ip.version !== network.version) return false;
  for (let bit = 0; bit < prefix; bit += 8) {
    const mask = prefix - bit >= 8 ? 0xff : (0xff << (8 - (prefix - bit))) & 0xff;
    if (((ip.bytes[bit / 8] ?? 0) & mask) !== ((network.bytes[bit / 8] ?? 0) & mask)) return false;
  }
  return true;
}

export const sameIp = (a: SpfIp, b: SpfIp): boolean => inNetwork(a, b, a.version === 4 ? 32 : 128);

/** Readable form (`c` macro, PTR queries): dotted quad, or RFC 5952 short IPv6. */
export function formatIp(ip: SpfIp): string {
  if (ip.version === 4) return [...ip.bytes].join('.');
  const groups = Array.from({ length: 8 }, (_, i) => (((ip.bytes[i * 2] ?? 0) << 8) | (ip.bytes[i * 2 + 1] ?? 0)).toString(16));
  // RFC 5952 §4.2: the longest run of two or more zero groups (the first on a tie) becomes "::".
  let best = { at: -1, length: 1 };
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (groups[j] === '0') j++;
    if (j - i > best.length) best = { at: i, length: j - i };
  }
  if (best.at < 0) return groups.join(':');
  return `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.length).join(':')}`;
}

/** The `i` macro (§7.3): dotted quad for IPv4, 32 dot-separated nibbles for IPv6. */
export function dottedIp(ip: SpfIp): string {
  if (ip.version === 4) return [...ip.bytes].join('.');
  return [...ip.bytes].flatMap((b) => [(b >> 4).toString(16), (b & 0xf).toString(16)]).join('.');
}
