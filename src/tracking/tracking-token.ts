/**
 * Signed tokens for open, click and unsubscribe links. Each names a message id in clear and
 * carries an HMAC-SHA256 (key: `SecretBox.derive('tracking')`) truncated to 96 bits for opens and
 * clicks, 80 for unsubscribes; anything tampered, truncated or made with another key reads as null.
 *
 *   open         MSG.M                  M = mac('m', MSG), base64url
 *   click        MSG.M.URL64.L          URL64 = base64url(url), L = mac('l', URL64): the link
 *                                      redirects only to a URL we signed (no open redirect)
 *   unsubscribe  MSG.U                  U = mac('u', MSG), lower-case hex: it also travels in
 *                                      `unsubscribe+MSG.U@bounce_domain`, and MTAs may lower-case
 *                                      local parts (RFC 5321 §2.4)
 *
 * The URL's MAC does not cover the message id, so a campaign's thousands of messages share one
 * MAC per link (one HMAC costs microseconds; rendering is the hot path). Pairing one message's
 * token with a URL signed for another only records a click on a URL we signed anyway.
 * The purposes are separated in the MAC input, so an open token is never an unsubscribe token.
 */
import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';

export interface TrackingTokens {
  /** The open token of a message; clicks are signed on top of it. */
  signMessage(messageId: string): string;
  /** The click token for `url` in the message whose open token is `messageToken`. */
  signLink(messageToken: string, url: string): string;
  signUnsubscribe(messageId: string): string;
  readOpen(token: string): string | null;
  readClick(token: string): { messageId: string; url: string } | null;
  readUnsubscribe(token: string): string | null;
}

const MESSAGE_ID = /^[a-z0-9_]{1,64}$/;
const B64_MAC = /^[A-Za-z0-9_-]{16}$/;
const HEX_MAC = /^[0-9a-f]{20}$/;
const URL64 = /^[A-Za-z0-9_-]{1,16000}$/;
/** Distinct URLs whose MAC is kept; a campaign has a few dozen, personalised links make more. */
const KEEP_LINKS = 10_000;
const UNSUBSCRIBE_PREFIX = 'unsubscribe+';

/** Equal strings, compared in constant time once their lengths (public) match. */
function same(a: string, b: string): boolean {
  const x = Buffer.from(a, 'latin1');
  const y = Buffer.from(b, 'latin1');
  return x.length === y.length && timingSafeEqual(x, y);
}

export function trackingTokens(key: Buffer): TrackingTokens {
  const secret: KeyObject = createSecretKey(key);
  const mac = (purpose: string, value: string): Buffer => createHmac('sha256', secret).update(`${purpose}\0${value}`).digest();
  const messageMac = (id: string): string => mac('m', id).subarray(0, 12).toString('base64url');
  const unsubscribeMac = (id: string): string => mac('u', id).subarray(0, 10).toString('hex');
  const links = new Map<string, string>();

  function linkPart(url: string): string {
    let part = links.get(url);
    if (part === undefined) {
      const url64 = Buffer.from(url, 'utf8').toString('base64url');
      part = `${url64}.${mac('l', url64).subarray(0, 12).toString('base64url')}`;
      if (links.size >= KEEP_LINKS) links.clear();
      links.set(url, part);
    }
    return part;
  }

  function readMessage(id: string | undefined, given: string | undefined): string | null {
    if (id === undefined || given === undefined || !MESSAGE_ID.test(id) || !B64_MAC.test(given)) return null;
    return same(given, messageMac(id)) ? id : null;
  }

  return {
    signMessage: (messageId) => `${messageId}.${messageMac(messageId)}`,
    signLink: (messageToken, url) => `${messageToken}.${linkPart(url)}`,
    signUnsubscribe: (messageId) => `${messageId}.${unsubscribeMac(messageId)}`,
    readOpen(token) {
      const parts = token.split('.');
      return parts.length === 2 ? readMessage(parts[0], parts[1]) : null;
    },
    readClick(token) {
      const parts = token.split('.');
      if (parts.length !== 4) return null;
      const [id, m, url64, l] = parts as [string, string, string, string];
      if (!URL64.test(url64) || !B64_MAC.test(l) || !same(l, mac('l', url64).subarray(0, 12).toString('base64url'))) return null;
      const messageId = readMessage(id, m);
      if (messageId === null) return null;
      const url = Buffer.from(url64, 'base64url').toString('utf8');
      // We only ever sign http(s) links; anything else here would mean a key leak, not a link.
      return /^https?:\/\//i.test(url) ? { messageId, url } : null;
    },
    readUnsubscribe(token) {
      const lower = token.toLowerCase();
      const dot = lower.lastIndexOf('.');
      const id = lower.slice(0, dot);
      const given = lower.slice(dot + 1);
      if (dot < 0 || !MESSAGE_ID.test(id) || !HEX_MAC.test(given)) return null;
      return same(given, unsubscribeMac(id)) ? id : null;
    },
  };
}

/** The mailto: unsubscribe address of a message (RFC 2369 §3.2): `unsubscribe+TOKEN@bounce_domain`. */
export const unsubscribeAddress = (token: string, bounceDomain: string): string => `${UNSUBSCRIBE_PREFIX}${token}@${bounceDomain}`;

/**
 * The message id an inbound `unsubscribe+TOKEN` local part names (any case), or null when it is
 * not one of ours. The inbound listener calls this for mail to the bounce domain.
 */
export function readUnsubscribeLocalPart(localPart: string, key: Buffer): string | null {
  const lower = localPart.toLowerCase();
  if (!lower.startsWith(UNSUBSCRIBE_PREFIX)) return null;
  return trackingTokens(key).readUnsubscribe(lower.slice(UNSUBSCRIBE_PREFIX.length));
}
