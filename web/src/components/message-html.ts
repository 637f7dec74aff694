/**
 * Preparing a message's HTML for the sandboxed frame: our Content-Security-Policy first (remote
 * images blocked unless the reader asks), no meta refresh, and inline `cid:` images replaced by
 * data: URLs fetched here in the parent page (the frame itself may load nothing).
 */
import type { MessageContent } from '../types';

const policy = (remote: boolean) => `default-src 'none'; img-src data:${remote ? ' https: http:' : ''}; style-src 'unsafe-inline'; font-src data:`;

/** The HTML with our policy at the very top, so nothing in it loads before the policy applies. */
export function framed(html: string, remote: boolean): string {
  const safe = html.replace(/<meta[^>]+http-equiv\s*=\s*["']?refresh[^>]*>/gi, '');
  const head = `<meta http-equiv="Content-Security-Policy" content="${policy(remote)}"><meta name="referrer" content="no-referrer"><base target="_blank">`;
  return /<head[^>]*>/i.test(safe) ? safe.replace(/<head[^>]*>/i, (tag) => tag + head) : head + safe;
}

/** Whether the HTML asks for anything remote (images, backgrounds): then the reader is offered it. */
export const hasRemoteContent = (html: string): boolean => /\b(?:src|background)\s*=\s*["']?\s*(?:https?:)?\/\//i.test(html) || /url\(\s*["']?\s*(?:https?:)?\/\//i.test(html);

const asDataUrl = (blob: Blob): Promise<string> =>
  new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });

/** Replaces each `cid:` reference that names an attachment with that attachment as a data: URL. */
export async function inlineImages(html: string, attachments: MessageContent['attachments'], attachmentUrl: (index: number) => string): Promise<string> {
  let out = html;
  for (const attachment of attachments) {
    if (!attachment.contentId) continue;
    const cid = attachment.contentId.replace(/^<|>$/g, '');
    const pattern = new RegExp(`cid:(?:${escape(cid)}|${escape(encodeURIComponent(cid))})(?=["'\\s)>])`, 'gi');
    if (!pattern.test(out)) continue;
    try {
      const response = await fetch(attachmentUrl(attachment.index), { credentials: 'same-origin' });
      if (!response.ok) continue;
      const dataUrl = await asDataUrl(new Blob([await response.blob()], { type: attachment.contentType }));
      out = out.replace(pattern, () => dataUrl);
    } catch {
      // That image stays missing; the rest of the message is still shown.
    }
  }
  return out;
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
