/**
 * The content half of the pre-send check, in the spirit of mail-tester: each check says pass,
 * warn or fail, costs penalty points out of ten, and explains what to change. The thresholds are
 * rules of thumb from the large mailbox providers' sender guidelines, noted where they come from.
 */
import { findSpamPhrases, type SpamPhrase } from './spam-phrases.js';

export interface PresendCheck {
  id: string;
  title: string;
  status: 'pass' | 'warn' | 'fail';
  penalty: number;
  explanation: string;
}

export interface ContentInput {
  subject: string;
  html: string | null;
  text: string | null;
  headers: Array<{ name: string; value: string }>;
  /** Bytes of the whole message. */
  size: number;
  /** A campaign or other bulk mail. */
  bulk: boolean;
}

/** Gmail clips a message whose HTML passes about 102 KB ("[Message clipped]"), hiding the rest and the unsubscribe link. */
const GMAIL_CLIP_BYTES = 102 * 1024;
const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;
const SUBJECT_MAX = 78;
const MANY_LINKS = 25;
/** Fewer words than this per image reads as an image ad to filters. */
const WORDS_PER_IMAGE = 60;
const SHORTENERS = new Set(['bit.ly', 'tinyurl.com', 't.co', 'goo.gl', 'ow.ly', 'is.gd', 'buff.ly', 'rebrand.ly', 'cutt.ly']);

const header = (input: ContentInput, name: string): string | null => input.headers.find((h) => h.name.toLowerCase() === name)?.value ?? null;
const check = (id: string, title: string, status: PresendCheck['status'], penalty: number, explanation: string): PresendCheck => ({ id, title, status, penalty: status === 'pass' ? 0 : penalty, explanation });

/** The words a reader sees in the HTML: no tags, styles, scripts or entities. */
export function visibleText(html: string): string {
  return html
    .replace(/<(style|script|head)[^>]*>[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;|&#160;/gi, ' ')
    .replace(/&[a-z#0-9]+;/gi, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
const wordCount = (text: string): number => (text.match(/[\p{L}\p{N}]+/gu) ?? []).length;

function textPart(input: ContentInput): PresendCheck {
  if (input.text?.trim()) return check('text-part', 'Plain-text part', 'pass', 0, 'The message has a plain-text part for readers and filters that do not show HTML.');
  if (input.html) return check('text-part', 'Plain-text part', 'warn', 1, 'HTML without a plain-text part looks like bulk mail to filters: add one (templates make it from the HTML unless you write it).');
  return check('text-part', 'Plain-text part', 'fail', 2, 'The message has no content at all.');
}

function unsubscribe(input: ContentInput): PresendCheck {
  const title = 'Unsubscribe header';
  const list = header(input, 'list-unsubscribe');
  if (!input.bulk) return check('unsubscribe', title, 'pass', 0, list ? 'List-Unsubscribe is present.' : 'Not bulk mail: a List-Unsubscribe header is not required.');
  if (!list) return check('unsubscribe', title, 'fail', 2, 'Bulk mail without a List-Unsubscribe header: Gmail and Yahoo require one of bulk senders (since February 2024), with one-click unsubscribe (RFC 8058).');
  const https = /<https:\/\/[^>]+>/i.test(list);
  const oneClick = /list-unsubscribe=one-click/i.test(header(input, 'list-unsubscribe-post') ?? '');
  if (https && oneClick) return check('unsubscribe', title, 'pass', 0, 'List-Unsubscribe with one-click (RFC 8058) is present.');
  if (https) return check('unsubscribe', title, 'warn', 1, 'List-Unsubscribe has a link but no "List-Unsubscribe-Post: List-Unsubscribe=One-Click" header: Gmail and Yahoo ask for one-click unsubscribe (RFC 8058).');
  return check('unsubscribe', title, 'warn', 1, 'List-Unsubscribe offers only mailto:; Gmail and Yahoo ask for an https one-click link as well (RFC 8058).');
}

function spamPhrases(input: ContentInput, phrases: SpamPhrase[]): PresendCheck {
  const inSubject = findSpamPhrases(input.subject, phrases);
  const inBody = findSpamPhrases(`${input.text ?? ''}\n${input.html ? visibleText(input.html) : ''}`, phrases);
  const total = new Map<string, { phrase: string; weight: number; lang: string }>();
  let penalty = 0;
  for (const p of inSubject) (penalty += p.weight * 2), total.set(p.phrase, p);
  for (const p of inBody) if (!total.has(p.phrase)) (penalty += p.weight), total.set(p.phrase, p);
  penalty = Math.min(4, Math.round(penalty * 10) / 10);
  if (total.size === 0) return check('spam-phrases', 'Spam-trigger phrases', 'pass', 0, 'No common spam-trigger phrases found.');
  const list = [...total.values()].map((p) => `"${p.phrase}" (${p.lang})`).join(', ');
  return check('spam-phrases', 'Spam-trigger phrases', penalty >= 2 ? 'fail' : 'warn', penalty, `Found ${list}${inSubject.length ? ', some in the subject (counted double)' : ''}: filters weigh such phrases; say it differently.`);
}

function images(input: ContentInput): PresendCheck {
  const title = 'Images and text';
  if (!input.html) return check('image-ratio', title, 'pass', 0, 'No HTML part.');
  const tags = input.html.match(/<img\b[^>]*>/gi) ?? [];
  const words = wordCount(visibleText(input.html));
  if (tags.length === 0) return check('image-ratio', title, 'pass', 0, 'No images.');
  if (words < 10) return check('image-ratio', title, 'fail', 2, `${tags.length} image(s) and almost no text: image-only mail is a classic spam pattern, and readers with images off see nothing. Put the message in text.`);
  const missingAlt = tags.filter((t) => !/\balt\s*=/i.test(t)).length;
  if (words / tags.length < WORDS_PER_IMAGE) return check('image-ratio', title, 'warn', 1, `${tags.length} image(s) for ${words} words of text: aim for at least ${WORDS_PER_IMAGE} words per image.${missingAlt ? ` ${missingAlt} image(s) lack alt text.` : ''}`);
  if (missingAlt) return check('image-ratio', title, 'warn', 0.5, `${missingAlt} of ${tags.length} image(s) lack alt text, shown when images are off.`);
  return check('image-ratio', title, 'pass', 0, `${tags.length} image(s) with ${words} words of text, all with alt text.`);
}

function links(input: ContentInput): PresendCheck {
  const title = 'Links';
  if (!input.html) return check('links', title, 'pass', 0, 'No HTML part.');
  const anchors = [...input.html.matchAll(/<a\b[^>]*\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))[^>]*>([\s\S]*?)<\/a>/gi)].map((m) => ({ href: (m[1] ?? m[2] ?? m[3] ?? '').trim(), text: visibleText(m[4] ?? '') }));
  const problems: string[] = [];
  let worst: PresendCheck['status'] = 'pass';
  for (const { href, text } of anchors) {
    if (/^(mailto|tel):/i.test(href) || href.startsWith('#') || /\{\{|\{%/.test(href)) continue;
    let url: URL;
    try {
      url = new URL(href);
    } catch {
      problems.push(`"${href.slice(0, 60)}" is not a valid address`);
      worst = 'fail';
      continue;
    }
    if (url.protocol === 'javascript:') {
      problems.push(`a javascript: link`);
      worst = 'fail';
    } else if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      problems.push(`"${href.slice(0, 60)}" is neither http(s), mailto nor tel`);
      worst = 'fail';
    } else if (SHORTENERS.has(url.hostname.toLowerCase())) {
      problems.push(`${url.hostname} is a link shortener, which filters distrust`);
      if (worst === 'pass') worst = 'warn';
    }
    // Text that shows one address while the link goes to another is how phishing looks.
    const shown = /^(?:https?:\/\/)?([a-z0-9.-]+\.[a-z]{2,})(?:[/?#]\S*)?$/i.exec(text);
    if (shown && shown[1]!.toLowerCase().replace(/^www\./, '') !== url.hostname.toLowerCase().replace(/^www\./, '')) {
      problems.push(`the link text shows ${shown[1]} but leads to ${url.hostname}`);
      worst = 'fail';
    }
  }
  if (anchors.length > MANY_LINKS) {
    problems.push(`${anchors.length} links (more than ${MANY_LINKS} reads as a link farm)`);
    if (worst === 'pass') worst = 'warn';
  }
  if (problems.length === 0) return check('links', title, 'pass', 0, `${anchors.length} link(s), all well formed.`);
  return check('links', title, worst, worst === 'fail' ? 2 : 0.5, `${problems.join('; ')}.`);
}

function size(input: ContentInput): PresendCheck {
  const html = input.html ? Buffer.byteLength(input.html) : 0;
  if (input.size > MAX_MESSAGE_BYTES) return check('size', 'Size', 'fail', 2, `The message is ${(input.size / 1048576).toFixed(1)} MB; many servers refuse mail over 10 MB. Link large files instead of attaching them.`);
  if (html > GMAIL_CLIP_BYTES) return check('size', 'Size', 'warn', 1, `The HTML is ${Math.round(html / 1024)} KB: Gmail clips messages whose HTML is larger than about 102 KB, hiding the end (and the unsubscribe link).`);
  return check('size', 'Size', 'pass', 0, `The HTML is ${Math.round(html / 1024)} KB, under Gmail's 102 KB clipping limit.`);
}

function subject(input: ContentInput): PresendCheck {
  const s = input.subject.trim();
  if (!s) return check('subject', 'Subject', 'fail', 2, 'The subject is empty.');
  const problems: string[] = [];
  if (s.length > SUBJECT_MAX) problems.push(`it is ${s.length} characters long; most inboxes show about ${SUBJECT_MAX} or fewer`);
  const letters = s.match(/\p{L}/gu) ?? [];
  const capitals = s.match(/\p{Lu}/gu) ?? [];
  if (letters.length >= 8 && capitals.length / letters.length > 0.6) problems.push('it is mostly capital letters');
  if ((s.match(/!/g) ?? []).length >= 3 || /[!?]{3,}/.test(s)) problems.push('it has a run of ! or ?');
  if (/^(re|fw|fwd)\s*:/i.test(s) && !header(input, 'in-reply-to')) problems.push('it starts with RE: or FW: but answers nothing, which readers and filters take as deceptive');
  if (problems.length === 0) return check('subject', 'Subject', 'pass', 0, `"${s.slice(0, 80)}" reads well.`);
  return check('subject', 'Subject', 'warn', Math.min(2, problems.length * 0.7), `The subject: ${problems.join('; ')}.`);
}

export function checkContent(input: ContentInput, phrases: SpamPhrase[]): PresendCheck[] {
  return [textPart(input), unsubscribe(input), spamPhrases(input, phrases), images(input), links(input), size(input), subject(input)];
}

/** 10 minus the penalties, never below 0: good from 8, fair from 5. */
export function overallScore(checks: PresendCheck[]): { score: number; verdict: 'good' | 'fair' | 'poor' } {
  const score = Math.max(0, Math.round((10 - checks.reduce((sum, c) => sum + c.penalty, 0)) * 10) / 10);
  return { score, verdict: score >= 8 ? 'good' : score >= 5 ? 'fair' : 'poor' };
}
