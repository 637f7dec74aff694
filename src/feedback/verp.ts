/**
 * VERP return paths (variable envelope return path): each recipient's copy leaves with its own
 * envelope sender, `bounce+TOKEN@BOUNCE_DOMAIN`, so a bounce — which goes back to the envelope
 * sender (RFC 5321 §4.5.5) — names the recipient it is about even when it says nothing
 * machine-readable. TOKEN is the recipient id and an HMAC of it: a forged or mangled address
 * matches nothing.
 *
 * Receiving MTAs may change the case of a local part (RFC 5321 §2.4 lets them treat it as
 * case-insensitive), so the token uses only lower-case letters, digits, `_` and `.`, and is
 * read case-insensitively.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const PREFIX = 'bounce+';
const MAC_BYTES = 10;

function mac(key: Buffer, recipientId: string): string {
  return createHmac('sha256', key).update(recipientId).digest().subarray(0, MAC_BYTES).toString('hex');
}

export function verpAddress(key: Buffer, recipientId: string, bounceDomain: string): string {
  return `${PREFIX}${recipientId}.${mac(key, recipientId)}@${bounceDomain}`;
}

/** The recipient id a VERP address names, or null when it is not one of ours or its HMAC is wrong. */
export function readVerpAddress(key: Buffer, address: string, bounceDomain: string): string | null {
  const at = address.lastIndexOf('@');
  if (at < 0 || address.slice(at + 1).toLowerCase() !== bounceDomain.toLowerCase()) return null;
  const local = address.slice(0, at).toLowerCase();
  if (!local.startsWith(PREFIX)) return null;
  const token = local.slice(PREFIX.length);
  const dot = token.lastIndexOf('.');
  if (dot < 0) return null;
  const recipientId = token.slice(0, dot);
  if (!/^[a-z0-9_]{1,100}$/.test(recipientId)) return null;
  const given = Buffer.from(token.slice(dot + 1), 'utf8');
  const expected = Buffer.from(mac(key, recipientId), 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected) ? recipientId : null;
}
