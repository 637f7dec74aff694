/**
 * The top-level header section of an RFC 5322 message (§2.2, §3.2.2): where it ends, its fields
 * with their folded continuation lines, and a field's name and unfolded value. Works on CRLF
 * text read as latin1, so the bytes round-trip unchanged.
 */

/** Offset just past the CRLF that ends the last header field (where the blank line starts). */
export function headerEnd(raw: Buffer): number {
  if (raw.subarray(0, 2).toString('latin1') === '\r\n') return 0;
  const crlf = raw.indexOf('\r\n\r\n');
  return crlf >= 0 ? crlf + 2 : raw.length;
}

/** Header fields with their folded continuation lines, each ending in CRLF. */
export function splitFields(head: string): string[] {
  const fields: string[] = [];
  for (const line of head.split(/(?<=\r\n)/)) {
    if (/^[ \t]/.test(line) && fields.length > 0) fields[fields.length - 1] += line;
    else if (line) fields.push(line);
  }
  return fields;
}

/** A field's name, lower-cased (empty for a line without a colon). */
export function fieldName(field: string): string {
  const colon = field.indexOf(':');
  return colon < 0 ? '' : field.slice(0, colon).trim().toLowerCase();
}

/** A field's value with folding removed (§2.2.3) and the ends trimmed. */
export function fieldValue(field: string): string {
  return field.slice(field.indexOf(':') + 1).replace(/\r\n(?=[ \t])/g, '').trim();
}
