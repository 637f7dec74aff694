/** The content checks of the pre-send check, one by one, and the phrase file. */
import { describe, expect, it } from 'vitest';
import { checkContent, contentInputOf, findSpamPhrases, loadSpamPhrases, overallScore, parseSpamPhrases, type ContentInput } from '../../src/domains/presend/index.js';
import { tempDir } from '../helpers/databases.js';

const phrases = loadSpamPhrases(tempDir());
const base: ContentInput = {
  subject: 'Our November update',
  html: `<p>${'Here is what we built this month and why it matters to you. '.repeat(10)}</p><p><a href="https://example.com/read">Read more</a></p>`,
  text: 'Here is what we built this month.',
  headers: [
    { name: 'List-Unsubscribe', value: '<https://example.com/u/1>, <mailto:u@example.com>' },
    { name: 'List-Unsubscribe-Post', value: 'List-Unsubscribe=One-Click' },
  ],
  size: 4000,
  bulk: true,
};
const statusOf = (input: Partial<ContentInput>, id: string) => checkContent({ ...base, ...input }, phrases).find((c) => c.id === id)!;

describe('pre-send content checks', () => {
  it('passes a well-made bulk message with a score of 10', () => {
    const checks = checkContent(base, phrases);
    expect(checks.map((c) => [c.id, c.status])).toEqual([
      ['text-part', 'pass'],
      ['unsubscribe', 'pass'],
      ['spam-phrases', 'pass'],
      ['image-ratio', 'pass'],
      ['links', 'pass'],
      ['size', 'pass'],
      ['subject', 'pass'],
    ]);
    expect(overallScore(checks)).toEqual({ score: 10, verdict: 'good' });
  });

  it('asks for a plain-text part, and for content at all', () => {
    expect(statusOf({ text: null }, 'text-part').status).toBe('warn');
    expect(statusOf({ text: null, html: null }, 'text-part').status).toBe('fail');
  });

  it('requires List-Unsubscribe with one-click on bulk mail only', () => {
    expect(statusOf({ headers: [] }, 'unsubscribe')).toMatchObject({ status: 'fail', explanation: expect.stringMatching(/Gmail and Yahoo require/) });
    expect(statusOf({ headers: [base.headers[0]!] }, 'unsubscribe').status).toBe('warn');
    expect(statusOf({ headers: [{ name: 'List-Unsubscribe', value: '<mailto:u@example.com>' }] }, 'unsubscribe').status).toBe('warn');
    expect(statusOf({ headers: [], bulk: false }, 'unsubscribe').status).toBe('pass');
  });

  it('finds spam phrases, the subject counting double, in English, Spanish and German', () => {
    const found = statusOf({ subject: 'Act now', text: 'Claim your prize: 100% free, gana dinero, jetzt kaufen' }, 'spam-phrases');
    expect(found.status).toBe('fail');
    expect(found.explanation).toMatch(/"act now" \(en\)/);
    expect(found.explanation).toMatch(/"gana dinero" \(es\)/);
    expect(found.explanation).toMatch(/"jetzt kaufen" \(de\)/);
    expect(found.penalty).toBeLessThanOrEqual(4);
    // Word boundaries hold across accents: "gratis" is not inside "gratisimo"; "última oportunidad" matches with its accent.
    expect(findSpamPhrases('Un regalo gratisimo', phrases).map((p) => p.phrase)).toEqual([]);
    expect(findSpamPhrases('¡ÚLTIMA OPORTUNIDAD!', phrases).map((p) => p.phrase)).toEqual(['última oportunidad']);
    expect(findSpamPhrases('Kostenlos und garantiert', phrases).map((p) => p.phrase).sort()).toEqual(['garantiert', 'kostenlos']);
  });

  it('warns about image-heavy HTML and missing alt text; fails an image-only message', () => {
    expect(statusOf({ html: '<img src="https://example.com/a.png"><img src="https://example.com/b.png">' }, 'image-ratio').status).toBe('fail');
    expect(statusOf({ html: `<p>${'word '.repeat(40)}</p><img src="a.png" alt="A">` }, 'image-ratio').status).toBe('warn');
    expect(statusOf({ html: `<p>${'word '.repeat(100)}</p><img src="a.png">` }, 'image-ratio')).toMatchObject({ status: 'warn', explanation: expect.stringMatching(/lack alt text/) });
  });

  it('flags malformed links, shorteners, javascript:, and text that shows another host', () => {
    expect(statusOf({ html: '<a href="javascript:alert(1)">x</a>' }, 'links').status).toBe('fail');
    expect(statusOf({ html: '<a href="http://exa mple.com">x</a>' }, 'links').status).toBe('fail');
    expect(statusOf({ html: '<a href="https://bit.ly/abc">offer</a>' }, 'links').status).toBe('warn');
    expect(statusOf({ html: '<a href="https://evil.example/login">https://www.mybank.com/login</a>' }, 'links')).toMatchObject({ status: 'fail', explanation: expect.stringMatching(/shows www\.mybank\.com but leads to evil\.example/) });
    expect(statusOf({ html: '<a href="https://www.example.com/x">example.com</a> <a href="mailto:a@b.c">mail</a> <a href="{{ unsubscribe_url }}">u</a>' }, 'links').status).toBe('pass');
    expect(statusOf({ html: Array.from({ length: 30 }, (_, i) => `<a href="https://example.com/${i}">link ${i}</a>`).join(' ') }, 'links').status).toBe('warn');
  });

  it("warns when the HTML passes Gmail's clipping size, fails past 10 MB", () => {
    expect(statusOf({ html: `<p>${'x'.repeat(110 * 1024)}</p>` }, 'size')).toMatchObject({ status: 'warn', explanation: expect.stringMatching(/Gmail clips/) });
    expect(statusOf({ size: 11 * 1024 * 1024 }, 'size').status).toBe('fail');
  });

  it('checks the subject: empty, long, capitals, exclamation marks, a false RE:', () => {
    expect(statusOf({ subject: '' }, 'subject').status).toBe('fail');
    expect(statusOf({ subject: 'x'.repeat(90) }, 'subject').status).toBe('warn');
    expect(statusOf({ subject: 'HUGE SALE TODAY ONLY' }, 'subject').explanation).toMatch(/capital letters/);
    expect(statusOf({ subject: 'Sale!!!' }, 'subject').explanation).toMatch(/run of ! or \?/);
    expect(statusOf({ subject: 'RE: your invoice' }, 'subject').explanation).toMatch(/RE: or FW:/);
    expect(statusOf({ subject: 'RE: your invoice', headers: [...base.headers, { name: 'In-Reply-To', value: '<a@b>' }] }, 'subject').status).toBe('pass');
  });

  it('names the line of a bad phrase file', () => {
    expect(() => parseSpamPhrases('en 1 act now\nen lots free money\n', 'mine.txt')).toThrow(/^mine\.txt:2: expected LANG WEIGHT PHRASE/);
    expect(parseSpamPhrases('# comment\n\nes 0.5 Gratis   Total\n', 'x')).toEqual([{ lang: 'es', weight: 0.5, phrase: 'gratis total' }]);
  });

  it('reads a raw message: parts, headers, size, and whether it is bulk', async () => {
    const raw = Buffer.from(
      [
        'From: News <news@example.com>',
        'To: a@example.org',
        'Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=',
        'List-Unsubscribe: <https://example.com/u>',
        'MIME-Version: 1.0',
        'Content-Type: multipart/alternative; boundary="b"',
        '',
        '--b',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'Hello',
        '--b',
        'Content-Type: text/html; charset=utf-8',
        '',
        '<p>Hello</p>',
        '--b--',
        '',
      ].join('\r\n'),
    );
    const input = await contentInputOf(raw);
    expect(input).toMatchObject({ subject: 'Grüße', text: expect.stringMatching(/^Hello/), html: expect.stringMatching(/<p>Hello<\/p>/), size: raw.length, bulk: true });
    expect(input.headers.find((h) => h.name.toLowerCase() === 'from')?.value).toBe('News <news@example.com>');
    expect((await contentInputOf(raw, false)).bulk).toBe(false);
  });
});
