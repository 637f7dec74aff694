/**
 * DKIM verification (RFC 6376 §6), for the pre-send check and the tests: each DKIM-Signature of
 * a message checked against the key its selector publishes. Simple and relaxed canonicalization,
 * rsa-sha256 / rsa-sha1 and ed25519-sha256 (RFC 8463), the `l=` body length and the `x=` expiry.
 * RSA keys are read as SubjectPublicKeyInfo and, as real verifiers accept, as bare PKCS#1.
 */
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { headerFields, relaxedBody, relaxedHeader } from './dkim-sign.js';

export interface DkimVerification {
  domain: string;
  selector: string;
  algorithm: string;
  result: 'pass' | 'fail' | 'neutral' | 'temperror' | 'permerror';
  reason: string;
}

const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

function tagsOf(value: string): Map<string, string> {
  const tags = new Map<string, string>();
  for (const part of value.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) tags.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).replace(/[ \t\r\n]+/g, ''));
  }
  return tags;
}

/** §3.4.3: the body as sent, empty lines at its end removed, ending in one CRLF. */
function simpleBody(body: Buffer): string {
  const text = body.toString('latin1').replace(/(?:\r\n)+$/, '');
  return text + '\r\n';
}

function publicKey(record: Map<string, string>): KeyObject {
  const der = Buffer.from(record.get('p') ?? '', 'base64');
  if ((record.get('k') ?? 'rsa').toLowerCase() === 'ed25519') return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, der]), format: 'der', type: 'spki' });
  try {
    return createPublicKey({ key: der, format: 'der', type: 'spki' });
  } catch {
    return createPublicKey({ key: der, format: 'der', type: 'pkcs1' });
  }
}

/** Verifies every DKIM-Signature of `raw`; `txt` answers TXT lookups (each record's strings joined). */
export async function verifyDkim(raw: Buffer, txt: (name: string) => Promise<string[]>, now = Date.now()): Promise<DkimVerification[]> {
  const blank = raw.indexOf('\r\n\r\n');
  const fields = headerFields(blank < 0 ? raw.toString('latin1') : raw.subarray(0, blank + 2).toString('latin1'));
  const body = blank < 0 ? Buffer.alloc(0) : raw.subarray(blank + 4);
  const results: DkimVerification[] = [];
  for (const signature of fields.filter((f) => /^dkim-signature[ \t]*:/i.test(f))) {
    const tags = tagsOf(signature.slice(signature.indexOf(':') + 1));
    const domain = tags.get('d') ?? '';
    const selector = tags.get('s') ?? '';
    const algorithm = (tags.get('a') ?? '').toLowerCase();
    const out = (result: DkimVerification['result'], reason: string) => results.push({ domain, selector, algorithm, result, reason });
    if (tags.get('v') !== '1' || !domain || !selector || !tags.has('b') || !tags.has('bh') || !tags.has('h')) {
      out('permerror', 'the signature lacks a required tag (v, a, b, bh, d, h, s)');
      continue;
    }
    if (!['rsa-sha256', 'rsa-sha1', 'ed25519-sha256'].includes(algorithm)) {
      out('permerror', `unknown algorithm ${algorithm}`);
      continue;
    }
    if (tags.has('x') && Number(tags.get('x')) * 1000 < now) {
      out('fail', 'the signature has expired (x=)');
      continue;
    }
    const [headerCanon = 'simple', bodyCanon = 'simple'] = (tags.get('c') ?? 'simple/simple').toLowerCase().split('/');
    const hash = algorithm === 'rsa-sha1' ? 'sha1' : 'sha256';

    let canonicalBody = Buffer.from(bodyCanon === 'relaxed' ? relaxedBody(body) : simpleBody(body), 'latin1');
    if (tags.has('l')) canonicalBody = canonicalBody.subarray(0, Number(tags.get('l')));
    if (createHash(hash).update(canonicalBody).digest('base64') !== tags.get('bh')) {
      out('fail', 'the body was changed after signing (body hash differs)');
      continue;
    }

    const canon = (field: string) => (headerCanon === 'relaxed' ? relaxedHeader(field) : field);
    let data = '';
    const used = new Map<string, number>();
    for (const name of (tags.get('h') ?? '').toLowerCase().split(':').filter(Boolean)) {
      const instances = fields.filter((f) => f.slice(0, f.indexOf(':')).replace(/[ \t]+$/, '').toLowerCase() === name);
      const n = used.get(name) ?? 0;
      used.set(name, n + 1);
      const field = instances[instances.length - 1 - n];
      if (field !== undefined) data += canon(field) + '\r\n';
    }
    // The signature field itself, its b= value removed (not bh=), without the final CRLF.
    data += canon(signature.replace(/((?:^|;)[ \t\r\n]*b[ \t\r\n]*=)[^;]*/i, '$1'));

    let record: Map<string, string> | undefined;
    try {
      record = (await txt(`${selector}._domainkey.${domain}`)).map(tagsOf).find((t) => t.has('p'));
    } catch (error) {
      out('temperror', `the key could not be looked up: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    if (!record) {
      out('permerror', `no key published at ${selector}._domainkey.${domain}`);
      continue;
    }
    if (!record.get('p')) {
      out('permerror', 'the key is revoked (empty p=)');
      continue;
    }
    let key: KeyObject;
    try {
      key = publicKey(record);
    } catch {
      out('permerror', 'the published key cannot be read');
      continue;
    }
    const sig = Buffer.from(tags.get('b') ?? '', 'base64');
    const ok = algorithm === 'ed25519-sha256' ? verify(null, createHash('sha256').update(data, 'latin1').digest(), key, sig) : verify(hash, Buffer.from(data, 'latin1'), key, sig);
    if (ok) out('pass', `signed by ${domain} (selector ${selector})`);
    else out('fail', 'the signature does not match the headers (changed after signing, or another key)');
  }
  return results;
}
