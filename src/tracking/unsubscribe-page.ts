/**
 * The unsubscribe pages, rendered on the server: every value escaped, no script at all, and one
 * style block allowed by its hash in the Content-Security-Policy (nothing else may load).
 */
import { createHash } from 'node:crypto';
import type { Subscriptions } from './read-subscriptions.js';

const STYLE = [
  'body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;background:#f6f8fa;margin:0;padding:2rem 1rem}',
  'main{max-width:32rem;margin:0 auto;background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:1.5rem 2rem}',
  'h1{font-size:1.4rem;margin:0 0 1rem}',
  'fieldset{border:0;padding:0;margin:1.5rem 0 1rem}',
  'legend{font-weight:600;margin-bottom:.5rem}',
  'label{display:block;margin:.25rem 0}',
  'button{font:inherit;padding:.5rem 1rem;border-radius:6px;border:1px solid #d0d7de;background:#f6f8fa;cursor:pointer;margin:.25rem 0}',
  'button.all{background:#cf222e;border-color:#cf222e;color:#fff}',
  '.muted{color:#59636e;font-size:.9rem}',
].join('');

/** The page's policy: nothing but this style; the form posts back to this same address. */
export const UNSUBSCRIBE_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`,
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`;
}

/**
 * The confirmation and preferences page. It only offers: a link scanner fetching it changes
 * nothing, the reader's button press (a POST) does.
 */
export function preferencesPage(subscriptions: Subscriptions): string {
  const sender = escapeHtml(subscriptions.sender);
  const who = `<p class="muted">You get this mail at ${escapeHtml(subscriptions.address)}.</p>`;
  if (subscriptions.unsubscribedAll) return page('Unsubscribed', `<h1>You are unsubscribed</h1><p>You will get no more mail from ${sender}.</p>${who}`);
  const lists = subscriptions.lists.length
    ? `<fieldset><legend>Or leave only some lists:</legend>${subscriptions.lists
        .map((list) => `<label><input type="checkbox" name="list" value="${escapeHtml(list.id)}"> ${escapeHtml(list.name)}</label>`)
        .join('')}<button type="submit" name="action" value="lists">Unsubscribe from the chosen lists</button></fieldset>`
    : '';
  return page(
    'Unsubscribe',
    `<h1>Unsubscribe</h1>${who}<form method="post"><button class="all" type="submit" name="action" value="all">Unsubscribe from all mail from ${sender}</button>${lists}</form>`,
  );
}

/** After the form's POST: `lists` null for everything. */
export function unsubscribedPage(sender: string, lists: readonly string[] | null): string {
  const what = lists === null ? `You will get no more mail from ${escapeHtml(sender)}.` : `You have left ${lists.map(escapeHtml).join(', ')}.`;
  return page('Unsubscribed', `<h1>You are unsubscribed</h1><p>${what}</p>`);
}

export function messagePage(title: string, text: string): string {
  return page(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p>`);
}
