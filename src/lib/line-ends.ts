/**
 * RFC 5322 §2.3: lines end in CRLF. Some producers leave bare LF inside a part (nodemailer's
 * quoted-printable text keeps the caller's "\n"); SMTP clients turn those into CRLF on the wire,
 * so anything that hashes the bytes (a DKIM signature) must see the same CRLF form first.
 */
export function toCrlf(raw: Buffer): Buffer {
  const text = raw.toString('latin1');
  if (!/\r(?!\n)|(?<!\r)\n/.test(text)) return raw;
  return Buffer.from(text.replace(/\r\n|\r|\n/g, '\r\n'), 'latin1');
}
