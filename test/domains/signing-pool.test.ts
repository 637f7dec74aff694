/**
 * RSA signing on signing threads gives the same verifiable signatures as on the calling thread.
 * The thread runs compiled code, so this uses the build in dist/ (made by `npm test` first).
 */
import { createPrivateKey } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { generateDkimKey, dkimRecordText } from '../../src/domains/dkim-key.js';
import { verifyDkim } from '../../src/domains/dkim-verify.js';
import { REPO_ROOT } from '../helpers/processes.js';

const { SigningPool } = (await import(`${REPO_ROOT}dist/src/domains/signing-pool.js`)) as typeof import('../../src/domains/signing-pool.js');

describe('signing threads', () => {
  const pool = new SigningPool(2);
  afterAll(() => pool.close());

  it('signs RSA on threads, many at once, each message verifying', async () => {
    expect(pool.threaded).toBe(true);
    const made = generateDkimKey('rsa');
    const key = { domain: 'example.com', selector: 's1', algorithm: 'rsa' as const, key: createPrivateKey(made.privateKeyPem) };
    const record = dkimRecordText('rsa', made.publicKey);
    const messages = Array.from({ length: 200 }, (_, i) => Buffer.from(`From: a@example.com\r\nTo: b${i}@example.org\r\nSubject: Message ${i}\r\n\r\nBody ${i}\r\n`));
    const signed = await Promise.all(messages.map((m) => pool.sign(m, key, Date.now())));
    for (const [i, raw] of signed.entries()) {
      expect(raw.toString()).toContain(`Subject: Message ${i}`);
      expect((await verifyDkim(raw, async () => [record])).map((r) => r.result)).toEqual(['pass']);
    }
  });
});
