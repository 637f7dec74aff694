/**
 * DKIM keys: made here (RSA-2048 by default, Ed25519 on request — RFC 8463), and the TXT record
 * that publishes the public half at `selector._domainkey.domain`.
 */
import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { DkimAlgorithm } from '../store/index.js';

export interface NewDkimKey {
  algorithm: DkimAlgorithm;
  /** PKCS#8 PEM. */
  privateKeyPem: string;
  /** The record's `p=` value: base64 of the SubjectPublicKeyInfo (RSA) or of the raw 32-byte key (Ed25519, RFC 8463 §4.2). */
  publicKey: string;
}

export function generateDkimKey(algorithm: DkimAlgorithm): NewDkimKey {
  if (algorithm === 'ed25519') {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    return { algorithm, privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicKey: publicKeyValue(publicKey, algorithm) };
  }
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { algorithm, privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicKey: publicKeyValue(publicKey, algorithm) };
}

/** The `p=` value for a public key. */
export function publicKeyValue(key: KeyObject, algorithm: DkimAlgorithm): string {
  const der = key.export({ type: 'spki', format: 'der' });
  // An Ed25519 SPKI is a 12-byte prefix followed by the 32 raw key bytes; DNS publishes the raw bytes.
  return (algorithm === 'ed25519' ? der.subarray(der.length - 32) : der).toString('base64');
}

/** The public half of a private key, as its `p=` value (to compare with what DNS publishes). */
export function publicKeyOf(privateKey: KeyObject, algorithm: DkimAlgorithm): string {
  return publicKeyValue(createPublicKey(privateKey), algorithm);
}

/** The TXT record's text: `v=DKIM1; k=rsa; p=…`. */
export function dkimRecordText(algorithm: DkimAlgorithm, publicKey: string): string {
  return `v=DKIM1; k=${algorithm}; p=${publicKey}`;
}

/**
 * A TXT value as the character-strings DNS allows (at most 255 bytes each, RFC 1035 §3.3.14);
 * a 2048-bit RSA record is longer than one. Zone-file form: `"…" "…"`.
 */
export function txtStrings(text: string): string[] {
  const strings: string[] = [];
  for (let at = 0; at < text.length; at += 255) strings.push(text.slice(at, at + 255));
  return strings.length ? strings : [''];
}

export const zoneFileTxt = (text: string): string =>
  txtStrings(text)
    .map((s) => `"${s.replace(/(["\\])/g, '\\$1')}"`)
    .join(' ');

/** A selector: letters, digits and hyphens, dot-separated (RFC 6376 §3.1). */
export const SELECTOR_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** A selector for a new key: `pr` and the year and month, with a letter when that one is taken. */
export function newSelector(now: number, taken: ReadonlySet<string>): string {
  const date = new Date(now);
  const base = `pr${date.getUTCFullYear()}${String(date.getUTCMonth() + 1).padStart(2, '0')}`;
  if (!taken.has(base)) return base;
  for (let i = 0; i < 26; i++) {
    const candidate = `${base}${String.fromCharCode(97 + i)}`;
    if (!taken.has(candidate)) return candidate;
  }
  return `${base}-${now.toString(36)}`;
}
