/** Signed tracking tokens: every part tampered, truncated or signed with another key reads as null. */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readUnsubscribeLocalPart, trackingTokens, unsubscribeAddress } from '../../src/tracking/index.js';

const key = randomBytes(32);
const tokens = trackingTokens(key);
const other = trackingTokens(randomBytes(32));
const id = 'msg_0mfz3k2a1000abcdef12';
const url = 'https://example.com/offer?utm_source=news&x=1#top';

/** Every way of changing one character of `token`, and every truncation. */
function tamperings(token: string): string[] {
  const out = new Set<string>();
  for (let i = 0; i < token.length; i++) {
    for (const c of ['A', 'z', '0', '_', '-', '.']) if (token[i] !== c) out.add(token.slice(0, i) + c + token.slice(i + 1));
    out.add(token.slice(0, i));
    out.add(token.slice(0, i) + token.slice(i + 1));
  }
  out.add(`${token}x`);
  out.add(`${token}.`);
  out.delete(token);
  return [...out];
}

describe('tracking tokens', () => {
  it('reads back what it signed', () => {
    const open = tokens.signMessage(id);
    expect(tokens.readOpen(open)).toBe(id);
    expect(tokens.readClick(tokens.signLink(open, url))).toEqual({ messageId: id, url });
    expect(tokens.readUnsubscribe(tokens.signUnsubscribe(id))).toBe(id);
    expect(tokens.signUnsubscribe(id)).toMatch(/^[a-z0-9_.]+$/);
  });

  it('rejects every tampered or truncated open token', () => {
    for (const bad of tamperings(tokens.signMessage(id))) expect(tokens.readOpen(bad), bad).toBeNull();
  });

  it('rejects every tampered or truncated click token: no redirect to a URL that was not signed', () => {
    const click = tokens.signLink(tokens.signMessage(id), url);
    for (const bad of tamperings(click)) expect(tokens.readClick(bad), bad).toBeNull();
    // Another URL spliced in keeps its old MAC: refused.
    const [m, mac, , l] = click.split('.');
    const evil = Buffer.from('https://evil.example/', 'utf8').toString('base64url');
    expect(tokens.readClick([m, mac, evil, l].join('.'))).toBeNull();
  });

  it('rejects every tampered unsubscribe token, but reads one lower-cased by an MTA', () => {
    const token = tokens.signUnsubscribe(id);
    for (const bad of tamperings(token).filter((t) => t.toLowerCase() !== token)) expect(tokens.readUnsubscribe(bad), bad).toBeNull();
    expect(tokens.readUnsubscribe(token.toUpperCase())).toBe(id);
  });

  it('keeps purposes and keys apart', () => {
    expect(tokens.readUnsubscribe(tokens.signMessage(id))).toBeNull();
    expect(tokens.readOpen(tokens.signUnsubscribe(id))).toBeNull();
    expect(other.readOpen(tokens.signMessage(id))).toBeNull();
    expect(other.readClick(tokens.signLink(tokens.signMessage(id), url))).toBeNull();
    expect(other.readUnsubscribe(tokens.signUnsubscribe(id))).toBeNull();
    expect(tokens.readOpen('')).toBeNull();
    expect(tokens.readClick('')).toBeNull();
  });

  it('reads the mailto: unsubscribe local part in any case', () => {
    const address = unsubscribeAddress(tokens.signUnsubscribe(id), 'bounce.example.com');
    const local = address.slice(0, address.lastIndexOf('@'));
    expect(readUnsubscribeLocalPart(local, key)).toBe(id);
    expect(readUnsubscribeLocalPart(local.toUpperCase(), key)).toBe(id);
    expect(readUnsubscribeLocalPart(local.replace('unsubscribe+', 'bounce+'), key)).toBeNull();
    expect(readUnsubscribeLocalPart(`${local}0`, key)).toBeNull();
  });
});
