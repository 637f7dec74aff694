import { describe, expect, it } from 'vitest';
import PostalMime from 'postal-mime';
import { composeCampaignMessage, mailboxHeader } from '../../src/campaigns/compose-campaign-message.js';

describe('campaign message composer', () => {
  it('writes a multipart/alternative message that a MIME parser reads back exactly', async () => {
    const html = '<p>Hola José — “quotes”, = signs and a long line ' + 'x'.repeat(200) + '</p>\n<p>.leading dot</p>';
    const text = 'Hola José\n.a line starting with a dot\n' + 'y'.repeat(150);
    const raw = composeCampaignMessage({
      from: { name: 'News, Inc.', address: 'news@example.com' },
      to: { name: 'José Pérez', address: 'jose@example.org' },
      replyTo: { name: '', address: 'replies@example.com' },
      subject: '¡Hola José! Your “November” news',
      messageId: '<msg_1@example.com>',
      date: new Date('2026-11-22T10:00:00Z'),
      text,
      html,
      headers: [['List-Unsubscribe', '<https://example.com/u/1>']],
    });
    const source = raw.toString('utf8');
    expect(source).not.toMatch(/[^\r]\n/); // CRLF only
    expect(source.split('\r\n').every((line) => line.length <= 78)).toBe(true);
    expect(/^[\x00-\x7f]*$/.test(source)).toBe(true); // 7-bit clean
    const parsed = await PostalMime.parse(raw);
    expect(parsed.from).toEqual({ name: 'News, Inc.', address: 'news@example.com' });
    expect(parsed.to).toEqual([{ name: 'José Pérez', address: 'jose@example.org' }]);
    expect(parsed.replyTo).toEqual([{ name: '', address: 'replies@example.com' }]);
    expect(parsed.subject).toBe('¡Hola José! Your “November” news');
    expect(parsed.messageId).toBe('<msg_1@example.com>');
    expect(parsed.date).toBe('2026-11-22T10:00:00.000Z');
    expect(parsed.html?.replace(/\r\n/g, '\n').trimEnd()).toBe(html);
    expect(parsed.text?.replace(/\r\n/g, '\n').trimEnd()).toBe(text);
    expect(parsed.headers.find((h) => h.key === 'list-unsubscribe')?.value).toBe('<https://example.com/u/1>');
  });

  it('quotes or encodes display names as needed', () => {
    expect(mailboxHeader({ name: '', address: 'a@example.com' })).toBe('<a@example.com>');
    expect(mailboxHeader({ name: 'Ana Smith', address: 'a@example.com' })).toBe('Ana Smith <a@example.com>');
    expect(mailboxHeader({ name: 'Smith, Ana', address: 'a@example.com' })).toBe('"Smith, Ana" <a@example.com>');
    expect(mailboxHeader({ name: 'A "B" C', address: 'a@example.com' })).toBe('"A \\"B\\" C" <a@example.com>');
    expect(mailboxHeader({ name: 'Zoë', address: 'z@example.com' })).toMatch(/^=\?UTF-8\?Q\?Zo=C3=AB\?= <z@example\.com>$/);
  });
});
