/**
 * Building on threads gives the same messages as building inline: RSA signatures made on a build
 * thread verify, many at once; a batch of campaign messages rendered on a thread is byte for byte
 * what the inline renderer makes (the same boundaries aside). The thread runs compiled code, so
 * this uses the build in dist/ (made by `npm test` first).
 */
import { createPrivateKey } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { generateDkimKey, dkimRecordText } from '../../src/domains/dkim-key.js';
import { verifyDkim } from '../../src/domains/dkim-verify.js';
import { createBatchRenderer, type RenderBatch } from '../../src/campaigns/render-batch.js';
import { REPO_ROOT } from '../helpers/processes.js';

const { BuildPool } = (await import(`${REPO_ROOT}dist/src/delivery/build-pool.js`)) as typeof import('../../src/delivery/build-pool.js');

describe('build threads', () => {
  const trackingKey = Buffer.alloc(32, 7);
  const pool = new BuildPool({ size: 2, trackingKey });
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

  it('renders a batch of campaign messages on a thread as the inline renderer does', async () => {
    const batch: RenderBatch = {
      campaigns: [{ id: 'cmp_1', version: 1, subject: 'Hi', html: '<p>Hello {{ contact.name }}, <a href="https://example.com/x?a=1&amp;b=2">see</a> {{ unsubscribe_url }}</p>', text: null, text_generated: 'Hello {{ contact.name }}', from: { name: 'News', address: 'news@example.com' }, replyTo: null, trackOpens: true, trackClicks: true }],
      links: { base: 'https://t.example.com', bounceDomain: 'bounces.example.com' },
      messages: Array.from({ length: 50 }, (_, i) => ({ id: `msg_${i}`, campaignId: 'cmp_1', toHeader: `Person ${i} <p${i}@example.org>`, subject: `Hi ${i}`, messageIdHeader: `<msg_${i}@example.com>`, createdAt: 1_700_000_000_000, contact: i % 7 === 0 ? null : { email: `p${i}@example.org`, name: `Person ${i}`, fields: '{}', time_zone: null } })),
    };
    const threaded = await pool.render(batch);
    const inline = createBatchRenderer(trackingKey)(batch);
    const withoutBoundaries = (raw: Buffer) => raw.toString('latin1').replace(/----=_postroom_[0-9a-f]+/g, 'BOUNDARY');
    expect(threaded.map(([id]) => id)).toEqual(inline.map(([id]) => id));
    for (const [i, [, raw]] of threaded.entries()) expect(withoutBoundaries(raw)).toBe(withoutBoundaries(inline[i]![1]));
    expect(threaded[3]![1].toString('latin1')).toContain('Hello Person 3');
    expect(threaded[3]![1].toString('latin1')).toMatch(/^List-Unsubscribe:/m);
  });
});
