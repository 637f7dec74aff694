/**
 * Mail addresses as they first enter Postroom. Validation happens here once; everything past
 * this point may trust an address to be a single mailbox without CR or LF.
 */
import addressparser from 'nodemailer/lib/addressparser';

export interface Mailbox {
  name: string;
  address: string;
}

const ATOM = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~\\u0080-\\uFFFF-]+";
const LOCAL_PART = new RegExp(`^${ATOM}(\\.${ATOM})*$`);
const LABEL = /^(?!-)[A-Za-z0-9\u0080-\uFFFF-]{1,63}(?<!-)$/;

/** True for `local@domain.tld`: a dot-atom local part and a domain of at least two labels (RFC 5321 §4.1.2). */
export function isValidAddress(address: string): boolean {
  if (address.length > 254) return false;
  const at = address.lastIndexOf('@');
  if (at < 1) return false;
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (local.length > 64 || !LOCAL_PART.test(local)) return false;
  const labels = domain.split('.');
  return domain.length <= 253 && labels.length >= 2 && labels.every((l) => LABEL.test(l));
}

export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

/** Parses one mailbox (`Name <local@domain>` or `local@domain`); returns an error text instead of throwing. */
export function parseMailbox(value: string): Mailbox | string {
  if (/[\r\n]/.test(value)) return 'must not contain CR or LF';
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(value)) return 'must not contain control characters';
  const parsed = addressparser(value.trim(), { flatten: true });
  if (parsed.length !== 1) return parsed.length === 0 ? 'is empty' : 'must be a single address';
  const mailbox = parsed[0]!;
  const address = (mailbox.address ?? '').trim();
  if (!isValidAddress(address)) return `"${value.trim()}" is not a valid email address`;
  return { name: (mailbox.name ?? '').trim(), address };
}

export function formatMailbox(mailbox: Mailbox): string {
  if (!mailbox.name) return mailbox.address;
  const safe = /^[\w .!#$%&'*+\/=?^`{|}~-]*$/.test(mailbox.name) ? mailbox.name : JSON.stringify(mailbox.name);
  return `${safe} <${mailbox.address}>`;
}
