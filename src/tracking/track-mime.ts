/**
 * Open and click tracking for mail that arrives as raw MIME (the SMTP relay): each text/html part
 * that is not an attachment is decoded, given the pixel and the click links by `rewrite`, and
 * encoded again (quoted-printable unless it was base64), in UTF-8. Every other byte of the
 * message — headers, the text part, attachments — is passed through as it was. MIME is split and
 * joined by mailsplit; what is done to the HTML is ours (track-html.ts).
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Joiner, Rewriter, Splitter } from '@zone-eu/mailsplit';

/** Whether a node is HTML meant to be shown as the message (not an attached .html file). */
function isShownHtml(node: { contentType: string | false; disposition: string | false }): boolean {
  return node.contentType === 'text/html' && node.disposition !== 'attachment';
}

/** The message with its HTML parts rewritten; `changed` counts the parts `rewrite` changed (0: keep the original bytes). */
export async function trackMimeHtml(raw: Buffer, rewrite: (html: string) => Promise<string>): Promise<{ raw: Buffer; changed: number }> {
  const splitter = new Splitter();
  const rewriter = new Rewriter((node) => isShownHtml(node));
  const joiner = new Joiner();
  let changed = 0;
  const failures: unknown[] = [];
  rewriter.on('node', ({ node, decoder, encoder }) => {
    const chunks: Buffer[] = [];
    decoder.on('data', (chunk: Buffer) => chunks.push(chunk));
    decoder.on('end', () => {
      const html = decodeCharset(Buffer.concat(chunks), node.charset);
      rewrite(html)
        .then((tracked) => {
          if (tracked !== html) changed += 1;
          node.setCharset('utf-8');
          encoder.end(Buffer.from(tracked, 'utf8'));
        })
        .catch((error: unknown) => {
          failures.push(error);
          encoder.end(Buffer.concat(chunks));
        });
    });
  });
  const out: Buffer[] = [];
  joiner.on('data', (chunk: Buffer) => out.push(chunk));
  await pipeline(Readable.from([raw]), splitter, rewriter, joiner);
  if (failures.length > 0) throw failures[0];
  return { raw: Buffer.concat(out), changed };
}

/** The part's text in its declared charset; UTF-8 when it declares none or one this Node does not know. */
function decodeCharset(bytes: Buffer, charset: string | false): string {
  try {
    return new TextDecoder(charset || 'utf-8').decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}
