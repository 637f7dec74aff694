/**
 * The machine-readable parts of reports (RFC 3464 §2.1 delivery-status, RFC 5965 §3.1
 * feedback-report) are groups of header-like fields: `Name: value`, folded onto lines that start
 * with white space, groups separated by blank lines. Names may repeat (ARF Original-Rcpt-To).
 */

export type FieldGroup = ReadonlyArray<readonly [name: string, value: string]>;

const FIELD = /^([A-Za-z][A-Za-z0-9-]*)[ \t]*:[ \t]*(.*)$/;

export function parseFieldGroups(text: string): FieldGroup[] {
  const groups: Array<Array<[string, string]>> = [];
  let group: Array<[string, string]> = [];
  let last: [string, string] | null = null;
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim()) {
      if (group.length) groups.push(group);
      group = [];
      last = null;
      continue;
    }
    if (/^[ \t]/.test(line) && last) {
      last[1] = `${last[1]} ${line.trim()}`.trim();
      continue;
    }
    const match = FIELD.exec(line);
    if (!match) {
      last = null;
      continue;
    }
    last = [match[1]!.toLowerCase(), match[2]!.trim()];
    group.push(last);
  }
  if (group.length) groups.push(group);
  return groups;
}

/** The first value of a field, or null. */
export function fieldValue(group: FieldGroup, name: string): string | null {
  for (const [key, value] of group) if (key === name) return value || null;
  return null;
}

export function fieldValues(group: FieldGroup, name: string): string[] {
  return group.filter(([key, value]) => key === name && value).map(([, value]) => value);
}

/** `rfc822; Kijitora@Example.COM` → `kijitora@example.com` (RFC 3464 §2.3.1 address-type). */
export function addressOf(value: string | null): string | null {
  if (!value) return null;
  // "rfc822;", "utf-8;" (RFC 6533), and the odd "rfc/822;".
  const typed = /^[\w/.-]+\s*;\s*(.*)$/.exec(value);
  const address = cleanAddress(typed ? typed[1]! : value);
  return address || null;
}

/** Lower-cased, without angle brackets, quotes around the whole thing or trailing punctuation. */
export function cleanAddress(value: string): string {
  const bracketed = /<([^<>\s]+@[^<>\s]+)>/.exec(value);
  const bare = bracketed ? bracketed[1]! : value.trim().split(/\s+/)[0] ?? '';
  return bare.replace(/^["'<(]+|["'>),.;:]+$/g, '').toLowerCase();
}

/** `dns; mx.example.com` → `mx.example.com`; `smtp; 550 ...` → `550 ...`. */
export function withoutType(value: string | null): string | null {
  if (!value) return null;
  const typed = /^[\w-]+\s*;\s*(.*)$/.exec(value);
  return (typed ? typed[1]! : value).trim() || null;
}
