/**
 * The server form's state: every field as the inputs hold it (text for numbers, so "empty" can
 * mean "default" or "no limit"), how a ServerView fills it, the JSON body it saves as, and where
 * an API error goes. Secrets are write-only: on edit, one left empty is not sent and stays set.
 * Each kind shows its own fields (KIND_FIELDS); the body carries only those.
 */
import type { ChangeEvent } from 'react';
import { ApiError, errorText } from '../api';
import type { Security, ServerAuth, ServerKind, ServerView } from '../types';

export interface ServerForm {
  name: string;
  kind: ServerKind;
  priority: string;
  fromFilter: string;
  active: boolean;
  host: string;
  port: string;
  security: Security;
  tlsVerify: boolean;
  tlsCa: string;
  auth: ServerAuth;
  username: string;
  password: string;
  certificate: string;
  privateKey: string;
  ehloName: string;
  /** Direct delivery: one address per line, or comma-separated. */
  sourceAddresses: string;
  account: string;
  maxConcurrent: string;
  perMinute: string;
  perHour: string;
  perDay: string;
}

/** A message per field; `form` is for a problem no input owns. */
export type FormErrors = Partial<Record<keyof ServerForm | 'form', string>>;

/** What the section components get: the values, their errors, and a way to change some. */
export interface FormBinding {
  form: ServerForm;
  errors: FormErrors;
  update(changes: Partial<ServerForm>): void;
  /** The saved server when editing (for `hasSecret`), null when adding one. */
  server: ServerView | null;
}

export const DEFAULT_PORTS: Record<Security, number> = { none: 25, starttls: 587, tls: 465 };
export const isAccountKind = (kind: ServerKind): kind is 'gmail' | 'microsoft' => kind === 'gmail' || kind === 'microsoft';

/** The fields a kind shows besides name, priority, From filter, Active and the limits. */
const KIND_FIELDS: Record<ServerKind, ReadonlyArray<keyof ServerForm>> = {
  smtp: ['host', 'port', 'security', 'tlsVerify', 'tlsCa', 'auth', 'username', 'password', 'certificate', 'privateKey'],
  direct: ['port', 'ehloName', 'sourceAddresses'],
  gmail: ['account', 'auth', 'password'],
  microsoft: ['account', 'auth', 'password'],
  sandbox: [],
};

/** A new server delivers straight to the recipients' MX hosts unless told otherwise. */
export const EMPTY_FORM: ServerForm = {
  name: '', kind: 'direct', priority: '10', fromFilter: '', active: true,
  host: '', port: '', security: 'starttls', tlsVerify: true, tlsCa: '',
  auth: 'none', username: '', password: '', certificate: '', privateKey: '',
  ehloName: '', sourceAddresses: '', account: '',
  maxConcurrent: '', perMinute: '', perHour: '', perDay: '',
};

export const newForm = (kind: ServerKind = EMPTY_FORM.kind): ServerForm => ({ ...EMPTY_FORM, ...kindChange(EMPTY_FORM, kind) });

/** What else changes with the kind: the port is the new kind's default, the sign-in one it allows. */
/**
 * The providers' own sending limits, which a Gmail or Microsoft server starts with (as the API
 * does for a server created without them): over them, the provider blocks the account for a day.
 */
export const PROVIDER_QUOTAS: Partial<Record<ServerKind, Pick<ServerForm, 'perMinute' | 'perDay'>>> = {
  gmail: { perMinute: '', perDay: '2000' },
  microsoft: { perMinute: '30', perDay: '10000' },
};

export function kindChange(f: ServerForm, kind: ServerKind): Partial<ServerForm> {
  const auth: ServerAuth = isAccountKind(kind) ? (f.auth === 'password' ? 'password' : 'oauth2') : f.auth === 'oauth2' ? 'none' : f.auth;
  // Quotas still as the previous kind set them (or empty) follow the kind; ones typed in stay.
  const before = PROVIDER_QUOTAS[f.kind] ?? { perMinute: '', perDay: '' };
  const quotas = f.perMinute === before.perMinute && f.perDay === before.perDay ? (PROVIDER_QUOTAS[kind] ?? { perMinute: '', perDay: '' }) : {};
  return { kind, auth, port: '', ...quotas };
}

const text = (n: number | null): string => (n === null ? '' : String(n));

export function formOf(s: ServerView): ServerForm {
  const port = (s.kind === 'smtp' && s.port) || (s.kind === 'direct' && s.port !== 25) ? String(s.port) : '';
  return {
    ...EMPTY_FORM,
    name: s.name, kind: s.kind, priority: String(s.priority), fromFilter: s.fromFilter, active: s.active,
    host: s.host, port, security: s.security, tlsVerify: s.tlsVerify, tlsCa: s.tlsCa ?? '',
    auth: s.auth, username: s.username ?? '',
    ehloName: s.ehloName ?? '', sourceAddresses: s.sourceAddresses.join('\n'), account: s.account ?? '',
    maxConcurrent: text(s.maxConcurrent), perMinute: text(s.perMinute), perHour: text(s.perHour), perDay: text(s.perDay),
  };
}

type StringKey = { [K in keyof ServerForm]: ServerForm[K] extends string ? K : never }[keyof ServerForm];

/** value / onChange / error for a text input, textarea or select bound to `key`. */
export function bind(b: FormBinding, key: StringKey) {
  return {
    value: b.form[key],
    onChange: (e: ChangeEvent<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>) => b.update({ [key]: e.target.value } as Partial<ServerForm>),
    error: b.errors[key],
  };
}

const WHOLE = /^\d+$/;
const NUMBERS: Array<[StringKey, boolean]> = [['priority', true], ['port', false], ['maxConcurrent', false], ['perMinute', false], ['perHour', false], ['perDay', false]];

/** Numbers the inputs hold that cannot be sent at all; the API checks the rest (ranges, hosts, PEM). */
export function numberErrors(f: ServerForm): FormErrors {
  const errors: FormErrors = {};
  for (const [key, required] of NUMBERS) {
    if (key === 'port' && !KIND_FIELDS[f.kind].includes('port')) continue;
    const value = f[key].trim();
    if (value === '' && required) errors[key] = 'is required';
    else if (value !== '' && !WHOLE.test(value)) errors[key] = 'must be a whole number';
  }
  return errors;
}

const count = (v: string): number | null => (v.trim() === '' ? null : Number(v));
export const addressList = (v: string): string[] => v.split(/[\s,]+/).filter(Boolean);

/**
 * The POST or PATCH body: the common fields, then the kind's. A Gmail or Microsoft server keeps
 * a host override made elsewhere (CLI, API) unless its kind changes; then the provider's applies.
 */
export function bodyOf(f: ServerForm, saved: ServerView | null): Record<string, unknown> {
  const body: Record<string, unknown> = {
    name: f.name.trim(), kind: f.kind, priority: Number(f.priority), fromFilter: f.fromFilter.trim(), active: f.active,
    maxConcurrent: count(f.maxConcurrent), perMinute: count(f.perMinute), perHour: count(f.perHour), perDay: count(f.perDay),
    sourceAddresses: f.kind === 'direct' ? addressList(f.sourceAddresses) : [],
  };
  const secret = (value: string, wanted: boolean): string | null | undefined => (!wanted ? undefined : value ? value : saved ? undefined : null);
  const secrets = (entries: Record<string, string | null | undefined>) => {
    for (const [key, value] of Object.entries(entries)) if (value !== undefined) body[key] = value;
  };
  if (f.kind === 'direct') Object.assign(body, { port: f.port.trim() ? Number(f.port) : 0, ehloName: f.ehloName.trim() || null });
  if (isAccountKind(f.kind)) {
    const account = f.account.trim() || null;
    Object.assign(body, { account, auth: f.auth }, f.kind === 'microsoft' && account ? { fromFilter: account } : {});
    if (saved?.kind !== f.kind) Object.assign(body, { host: '', port: 0 });
    secrets({ password: secret(f.password, f.auth === 'password') });
  }
  if (f.kind !== 'smtp') return body;
  Object.assign(body, {
    host: f.host.trim(), port: f.port.trim() ? Number(f.port) : 0, security: f.security, tlsVerify: f.tlsVerify, tlsCa: f.tlsCa.trim() || null,
    auth: f.auth, username: f.auth === 'password' ? f.username.trim() || null : null,
  });
  secrets({
    password: secret(f.password, f.auth === 'password'),
    certificate: secret(f.certificate.trim(), f.auth === 'certificate'),
    privateKey: secret(f.privateKey.trim(), f.auth === 'certificate'),
  });
  return body;
}

/**
 * An API error beside its field (`maxConcurrent` → that input; `sourceAddresses[1]` → the source
 * addresses, naming the one at fault); anything the form does not show goes on top of it.
 */
export function errorsOf(error: unknown, f: ServerForm): FormErrors {
  if (!(error instanceof ApiError) || !error.field) return { form: errorText(error) };
  let field = error.field.split(/[.[]/)[0]!;
  // A Gmail or Microsoft server signs in as its account: the user name is the account.
  if (field === 'username' && isAccountKind(f.kind)) field = 'account';
  const common = ['name', 'kind', 'priority', 'fromFilter', 'maxConcurrent', 'perMinute', 'perHour', 'perDay'];
  const shown = common.includes(field) || KIND_FIELDS[f.kind].includes(field as keyof ServerForm);
  if (!shown || !(field in EMPTY_FORM) || typeof EMPTY_FORM[field as keyof ServerForm] !== 'string') return { form: `${error.field}: ${error.message}` };
  const entry = /^sourceAddresses\[(\d+)\]/.exec(error.field);
  const address = entry ? addressList(f.sourceAddresses)[Number(entry[1])] : undefined;
  return { [field]: address ? `${address} ${error.message}` : error.message };
}
