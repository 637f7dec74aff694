/**
 * Domain-name checks SPF makes before it queries DNS: the checked <domain> (RFC 7208 §4.3) and
 * the target names mechanisms build by macro expansion (§4.8, §7.3).
 */

export const withoutTrailingDot = (name: string): string => (name.endsWith('.') ? name.slice(0, -1) : name);

/** Labels of at most 63 characters, none empty, 253 characters in all (RFC 1035 §2.3.4). */
export function isQueryableName(name: string): boolean {
  if (!name || name.length > 253) return false;
  return name.split('.').every((label) => label.length >= 1 && label.length <= 63);
}

/**
 * §4.3: a <domain> that is malformed (a label over 63 characters, an empty label not at the end)
 * or not a multi-label domain name gives "none" without any lookup. A domain literal
 * (`[192.0.2.1]`) or an all-numeric last label (an IPv4 address) is not a domain name either.
 */
export function isValidSpfDomain(domain: string): boolean {
  const name = withoutTrailingDot(domain);
  if (!isQueryableName(name) || name.startsWith('[')) return false;
  const labels = name.split('.');
  return labels.length >= 2 && !/^\d+$/.test(labels[labels.length - 1] ?? '');
}

/**
 * §7.3: an expanded name longer than 253 characters loses labels from the left until it fits.
 */
export function truncateName(name: string): string {
  let out = name;
  while (out.length > 253 && out.includes('.')) out = out.slice(out.indexOf('.') + 1);
  return out;
}

/** Whether `name` is `parent` or a name below it, ignoring case and trailing dots (§5.5). */
export function isSameOrSubdomain(name: string, parent: string): boolean {
  const child = withoutTrailingDot(name).toLowerCase();
  const base = withoutTrailingDot(parent).toLowerCase();
  return child === base || child.endsWith(`.${base}`);
}
