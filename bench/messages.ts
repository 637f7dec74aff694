/** The benchmark's messages: ~2 KB each, one recipient, realistic text. */
import type { MessageInput } from '../src/spool/index.js';


const PARAGRAPHS = [
  'Thank you for being part of our community this year. We have put together a short summary of what changed in your account, the articles our readers liked most, and a few events coming up next month that we think you will enjoy.',
  'Our team shipped faster search, a cleaner reading view and offline mode for the mobile app. If you have not tried them yet, open the app and look for the new icons at the top of the screen. As always, tell us what works and what does not.',
  'The most read article this week explains how small teams plan their quarters without spreadsheets: one page, three goals, and a weekly check-in that takes no more than fifteen minutes. Several readers wrote in with their own variations.',
  'Upcoming: a live session on writing clear project updates (Tuesday, 17:00 UTC), a workshop on accessible design for forms (Thursday), and our monthly open office hours. Seats are limited, so reserve yours from the events page.',
  'Member spotlight: this month we talked to a volunteer who runs a repair cafe every Saturday. In two years the group has fixed more than four hundred toasters, lamps and bicycles, and taught dozens of neighbours to do it themselves.',
  'A quick reminder about your plan: it renews on the first of next month at the same price. Nothing changes unless you want it to. Invoices and receipts are always available from the billing section of your account.',
  'You are receiving this email because you subscribed to the weekly digest. You can change how often we write, or unsubscribe with one click, from your preferences page. We never share your address with anyone.',
];

export function messageFor(i: number): MessageInput {
  const name = `Reader ${i}`;
  const lines = [`Hello ${name},`, '', ...PARAGRAPHS.flatMap((p) => [wrap(p), '']), `Reference: digest-${i.toString(36)}-${(i * 7919) % 100000}`, '', 'The Example Weekly team', '', '--', 'Example Weekly, 12 Harbour Street, Springfield 4021', `Preferences: https://example.com/preferences?u=${(i * 2654435761) % 4294967296}`];
  return {
    from: 'Example Weekly <news@example.com>',
    to: [`${name} <reader${i}@example.net>`],
    subject: `Your weekly digest #${i}: new features, top articles and events`,
    text: lines.join('\n'),
  };
}

function wrap(text: string, width = 76): string {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out.join('\n');
}

