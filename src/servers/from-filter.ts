/**
 * A server's From filter, as in ERP outgoing-mail settings: empty (any sender), a domain
 * (`example.com`), an address (`news@example.com`), or a comma-separated list of those.
 */
import { isValidAddress } from '../spool/addresses.js';

/** How well a filter matches a From address; higher is more specific. */
export enum FilterMatch {
  None = 0,
  Any = 1,
  Domain = 2,
  Address = 3,
}

export function parseFromFilter(filter: string): string[] {
  return filter
    .split(',')
    .map((part) => part.trim().toLowerCase())
    .filter(Boolean);
}

/** Returns an error text for a filter entry that is neither a domain nor an address. */
export function checkFromFilter(filter: string): string | null {
  for (const entry of parseFromFilter(filter)) {
    if (entry.includes('@') ? !isValidAddress(entry) : !isValidAddress(`x@${entry}`)) {
      return `"${entry}" is neither a domain nor an address`;
    }
  }
  return null;
}

export function matchFromFilter(filter: string, fromAddress: string): FilterMatch {
  const entries = parseFromFilter(filter);
  if (entries.length === 0) return FilterMatch.Any;
  const address = fromAddress.toLowerCase();
  const domain = address.slice(address.lastIndexOf('@') + 1);
  let best = FilterMatch.None;
  for (const entry of entries) {
    if (entry.includes('@')) {
      if (entry === address) return FilterMatch.Address;
    } else if (entry === domain) best = FilterMatch.Domain;
  }
  return best;
}
