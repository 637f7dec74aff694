/**
 * Adds tracking to one rendered message: an open pixel, and `<a href>` links sent through the
 * click tracker. This runs for every campaign message as it is sent, so it is one pass over the
 * HTML with no DOM: a regular expression finds each `<a` and `</body>`, and only those tags are
 * read further. The message's MAC is the main cost; a link's MAC and decoded URL are remembered.
 *
 * Left as they are: links that are not http(s) (mailto:, tel:, `#` anchors), links to the
 * tracking base itself (the unsubscribe link), and links with a `data-postroom-notrack` attribute.
 * An href's character references (`&amp;`) are decoded before signing, so the redirect goes to
 * the URL the reader's mail client would have opened.
 */
import type { TrackingTokens } from './tracking-token.js';
import { unsubscribeAddress } from './tracking-token.js';

export interface TrackOptions {
  /** The tracking base, without a trailing slash (servers/settings.ts `trackingBase`). */
  base: string;
  messageId: string;
  opens: boolean;
  clicks: boolean;
  tokens: TrackingTokens;
}

/** Where an `<a …>` start tag or a `</body>` begins; the tag's end is found by `tagEnd`. */
const CANDIDATE = /<(?:a(?=[\s/>])|\/body\s*>)/gi;
const ATTRIBUTE = /([^\s"'>\/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g;
const HTTP = /^https?:\/\//i;
const CONTROL = /[\t\n\r]/;
const NOTRACK = /data-postroom-notrack/i;
const ENTITY = /&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|(amp|lt|gt|quot|apos));/g;
const AMP_OTHER = /&(?!amp;)/;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Decodes the character references that occur in URLs; others stay as written. */
export function decodeAttribute(value: string): string {
  if (!value.includes('&')) return value;
  // Most URLs hold only `&amp;` (query strings): replaced directly, without a callback per match.
  if (!AMP_OTHER.test(value)) return value.replaceAll('&amp;', '&');
  return value.replace(ENTITY, (_, dec: string | undefined, hex: string | undefined, name: string | undefined) => {
    if (name) return NAMED[name]!;
    const code = dec ? Number(dec) : parseInt(hex!, 16);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '\ufffd';
  });
}

const escapeAttribute = (value: string): string => (/[&"<>]/.test(value) ? value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;') : value);

/**
 * The URL an href value opens: references decoded; browsers strip surrounding whitespace and any
 * tab or newline inside (WHATWG URL §4.4). Remembered: a campaign's links repeat in every message.
 */
const hrefs = new Map<string, string>();
function hrefUrl(raw: string): string {
  let url = hrefs.get(raw);
  if (url === undefined) {
    url = decodeAttribute(raw).trim();
    if (CONTROL.test(url)) url = url.replace(/[\t\n\r]/g, '');
    if (hrefs.size >= 10_000) hrefs.clear();
    hrefs.set(raw, url);
  }
  return url;
}

/** The index of the `>` that ends the tag whose attributes start at `from`; quoted values may hold `>`. */
function tagEnd(html: string, from: number): number {
  for (let i = from; i < html.length; i++) {
    const c = html.charCodeAt(i);
    if (c === 62 /* > */) return i;
    if (c === 34 /* " */ || c === 39 /* ' */) {
      i = html.indexOf(c === 34 ? '"' : "'", i + 1);
      if (i < 0) return -1;
    }
  }
  return -1;
}

/** The tag's attributes with its href pointing at the click tracker, or null to leave them as they are. */
function trackedAttributes(attributes: string, own: string, link: (url: string) => string): string | null {
  let href: { start: number; end: number; url: string } | null = null;
  const optOut = NOTRACK.test(attributes);
  ATTRIBUTE.lastIndex = 0;
  for (let match = ATTRIBUTE.exec(attributes); match; match = ATTRIBUTE.exec(attributes)) {
    const name = match[1]!;
    if (optOut && name.toLowerCase() === 'data-postroom-notrack') return null;
    if (href || name.length !== 4 || name.toLowerCase() !== 'href') continue;
    const raw = match[2] ?? match[3] ?? match[4];
    if (raw === undefined) return null;
    const url = hrefUrl(raw);
    if (!HTTP.test(url) || url.startsWith(own)) return null;
    const end = match.index + match[0].length;
    href = { start: end - raw.length - (match[4] === undefined ? 1 : 0), end: end - (match[4] === undefined ? 1 : 0), url };
  }
  if (!href) return null;
  return `${attributes.slice(0, href.start)}${link(href.url)}${attributes.slice(href.end)}`;
}

export function trackHtml(html: string, options: TrackOptions): string {
  if (!options.opens && !options.clicks) return html;
  const base = escapeAttribute(options.base);
  const own = `${options.base}/`;
  // Signed once, and only when something needs it: the MAC is the costly part.
  let messageToken: string | null = null;
  const token = (): string => (messageToken ??= options.tokens.signMessage(options.messageId));
  const link = (url: string): string => `${base}/t/c/${options.tokens.signLink(token(), url)}`;
  const pixel = options.opens ? `<img src="${base}/t/o/${token()}" width="1" height="1" alt="" border="0" style="display:block;width:1px;height:1px;border:0;margin:0;padding:0">` : '';
  const parts: string[] = [];
  let at = 0;
  let bodyEnd = -1;
  CANDIDATE.lastIndex = 0;
  for (let match = CANDIDATE.exec(html); match; match = CANDIDATE.exec(html)) {
    if (match[0].charCodeAt(1) === 47 /* / */) {
      bodyEnd = match.index;
      continue;
    }
    if (!options.clicks) continue;
    const start = match.index + 2;
    const end = tagEnd(html, start);
    if (end < 0) break; // an unclosed tag runs to the end: nothing after it is a link
    CANDIDATE.lastIndex = end + 1;
    const attributes = trackedAttributes(html.slice(start, end), own, link);
    if (attributes === null) continue;
    parts.push(html.slice(at, start), attributes);
    at = end;
  }
  // The pixel goes before the last </body>, or at the end of a fragment without one (or of
  // markup with a link after its </body>).
  if (pixel && bodyEnd >= at) parts.push(html.slice(at, bodyEnd), pixel, html.slice(bodyEnd));
  else parts.push(html.slice(at), pixel);
  return parts.join('');
}

/**
 * List-Unsubscribe (RFC 2369 §3.2) with whichever of mailto: and https exist, and
 * List-Unsubscribe-Post (RFC 8058 §3.1) only with an https URI, which must then be one-click.
 */
export function listUnsubscribeHeaders(base: string | null, bounceDomain: string | null, token: string): Array<[string, string]> {
  const uris: string[] = [];
  if (bounceDomain) uris.push(`<mailto:${unsubscribeAddress(token, bounceDomain)}>`);
  if (base) uris.push(`<${base}/u/${token}>`);
  if (uris.length === 0) return [];
  const headers: Array<[string, string]> = [['List-Unsubscribe', uris.join(', ')]];
  if (base && /^https:/i.test(base)) headers.push(['List-Unsubscribe-Post', 'List-Unsubscribe=One-Click']);
  return headers;
}
