/** A raw message (RFC 5322) as what the content checks read: subject, parts, headers, size. */
import PostalMime from 'postal-mime';
import type { ContentInput } from './content-checks.js';

/** `bulk` left out: bulk when the message says it is (List-Unsubscribe, or Precedence: bulk / list). */
export async function contentInputOf(raw: Buffer, bulk?: boolean): Promise<ContentInput> {
  const email = await PostalMime.parse(raw);
  const headers = email.headers.map((h) => ({ name: h.key, value: h.value }));
  const has = (name: string) => headers.find((h) => h.name.toLowerCase() === name)?.value;
  return {
    subject: email.subject ?? '',
    html: email.html ?? null,
    text: email.text ?? null,
    headers,
    size: raw.length,
    bulk: bulk ?? (has('list-unsubscribe') !== undefined || /^(bulk|list)$/i.test(has('precedence')?.trim() ?? '')),
  };
}
