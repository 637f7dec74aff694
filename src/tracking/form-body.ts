/**
 * The two bodies an unsubscribe POST arrives in (RFC 8058 §3.2: a mail provider may send either):
 * application/x-www-form-urlencoded, and multipart/form-data (RFC 7578) with text fields only.
 * A field given several times (one checkbox per list) becomes an array.
 */
export type FormFields = Record<string, string | string[]>;

function add(fields: FormFields, name: string, value: string): void {
  const had = fields[name];
  if (had === undefined) fields[name] = value;
  else fields[name] = Array.isArray(had) ? [...had, value] : [had, value];
}

export function parseUrlEncoded(body: string): FormFields {
  const fields: FormFields = Object.create(null) as FormFields;
  for (const [name, value] of new URLSearchParams(body)) add(fields, name, value);
  return fields;
}

/** Null when the content type names no boundary or the body is not multipart. */
export function parseMultipart(body: string, contentType: string): FormFields | null {
  const boundary = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType);
  const delimiter = `--${boundary?.[1] ?? boundary?.[2] ?? ''}`;
  if (!boundary || !body.includes(delimiter)) return null;
  const fields: FormFields = Object.create(null) as FormFields;
  const parts = body.split(delimiter);
  // parts[0] is the preamble; a part starting with "--" is the close delimiter's tail.
  for (const part of parts.slice(1)) {
    if (part.startsWith('--')) break;
    const split = part.indexOf('\r\n\r\n');
    if (split < 0) continue;
    const headers = part.slice(0, split);
    const disposition = /^content-disposition:\s*form-data\s*;(.*)$/im.exec(headers)?.[1] ?? '';
    const name = /(?:^|;)\s*name="([^"]*)"/i.exec(disposition)?.[1];
    if (name === undefined || /(?:^|;)\s*filename=/i.test(disposition)) continue;
    add(fields, name, part.slice(split + 4).replace(/\r\n$/, ''));
  }
  return fields;
}
