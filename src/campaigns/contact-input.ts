/**
 * A contact as it first enters Postroom (a CSV row, an API call): validated here once. The
 * email is normalised — trimmed and lower-cased — so one person is one contact however their
 * address was typed.
 */
import { InputError } from '../lib/input-error.js';
import { isValidAddress } from '../spool/index.js';
import type { ContactStatus } from '../store/index.js';

export const CONTACT_STATUSES: readonly ContactStatus[] = ['subscribed', 'unsubscribed', 'bounced', 'complained'];

export type FieldValue = string | number | boolean | null;

export interface ContactInput {
  email: string;
  name?: string | undefined;
  fields?: Record<string, FieldValue> | undefined;
  timeZone?: string | null | undefined;
  /** Left out: a new contact is subscribed and an existing one keeps its status. */
  status?: ContactStatus | undefined;
}

export interface ValidContact {
  email: string;
  name: string;
  fields: Record<string, FieldValue>;
  timeZone: string | null;
  status: ContactStatus | undefined;
}

export function normalizeEmail(raw: string): string {
  const email = raw.trim().toLowerCase();
  if (!email) throw new InputError('email', 'is required');
  if (!isValidAddress(email)) throw new InputError('email', `"${raw.trim().slice(0, 100)}" is not an email address`);
  return email;
}

const zones = new Map<string, boolean>();

/** True for a time zone the runtime knows (IANA names such as Europe/Madrid, and UTC). */
export function isTimeZone(name: string): boolean {
  let known = zones.get(name);
  if (known === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: name });
      known = /^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/.test(name);
    } catch {
      known = false;
    }
    zones.set(name, known);
  }
  return known;
}

const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export function validateContact(input: ContactInput): ValidContact {
  const email = normalizeEmail(input.email ?? '');
  const name = (input.name ?? '').trim();
  if (name.length > 200) throw new InputError('name', 'must be at most 200 characters');
  if (/[\r\n]/.test(name)) throw new InputError('name', 'must not contain line breaks');
  const timeZone = input.timeZone ? input.timeZone.trim() : null;
  if (timeZone && !isTimeZone(timeZone)) throw new InputError('timeZone', `"${timeZone.slice(0, 60)}" is not an IANA time zone (such as Europe/Madrid)`);
  if (input.status !== undefined && !CONTACT_STATUSES.includes(input.status)) throw new InputError('status', `must be one of ${CONTACT_STATUSES.join(', ')}`);
  const fields: Record<string, FieldValue> = {};
  for (const [key, value] of Object.entries(input.fields ?? {})) {
    if (!FIELD_NAME.test(key)) throw new InputError(`fields.${key.slice(0, 64)}`, 'a field name is letters, digits and _, starting with a letter');
    if (typeof value === 'string' && value.length > 2000) throw new InputError(`fields.${key}`, 'must be at most 2000 characters');
    fields[key] = value;
  }
  return { email, name, fields, timeZone, status: input.status };
}

/** A CSV header turned into a field name: `First Name` → `first_name`. */
export function fieldNameOf(header: string): string {
  const name = header
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return /^[a-z_]/.test(name) ? name.slice(0, 64) : `f_${name}`.slice(0, 64);
}
