/**
 * The server form's state: every field as the inputs hold it (text for numbers, so "empty" can
 * mean "default" or "no limit"), how a ServerView fills it, the JSON body it saves as, and where
 * an API error goes. Secrets are write-only: on edit, one left empty is not sent and stays set.
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

export const EMPTY_FORM: ServerForm = {
  name: '', kind: 'smtp', priority: '10', fromFilter: '', active: true,
  host: '', port: '', security: 'starttls', tlsVerify: true, tlsCa: '',
  auth: 'none', username: '', password: '', certificate: '', privateKey: '',
  maxConcurrent: '', perMinute: '', perHour: '', perDay: '',
};

const text = (n: number | null): string => (n === null ? '' : String(n));

export function formOf(s: ServerView): ServerForm {
  return {
    ...EMPTY_FORM,
    name: s.name, kind: s.kind, priority: String(s.priority), fromFilter: s.fromFilter, active: s.active,
    host: s.host, port: s.kind === 'smtp' && s.port ? String(s.port) : '', security: s.security, tlsVerify: s.tlsVerify, tlsCa: s.tlsCa ?? '',
    auth: s.auth, username: s.username ?? '',
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
    if (key === 'port' && f.kind !== 'smtp') continue;
    const value = f[key].trim();
    if (value === '' && required) errors[key] = 'is required';
    else if (value !== '' && !WHOLE.test(value)) errors[key] = 'must be a whole number';
  }
  return errors;
}

const count = (v: string): number | null => (v.trim() === '' ? null : Number(v));

/** The POST or PATCH body. Connection fields only for an SMTP server; secrets only when given. */
export function bodyOf(f: ServerForm, editing: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = {
    name: f.name.trim(), kind: f.kind, priority: Number(f.priority), fromFilter: f.fromFilter.trim(), active: f.active,
    maxConcurrent: count(f.maxConcurrent), perMinute: count(f.perMinute), perHour: count(f.perHour), perDay: count(f.perDay),
  };
  if (f.kind !== 'smtp') return body;
  Object.assign(body, {
    host: f.host.trim(), port: f.port.trim() ? Number(f.port) : 0, security: f.security, tlsVerify: f.tlsVerify, tlsCa: f.tlsCa.trim() || null,
    auth: f.auth, username: f.auth === 'password' ? f.username.trim() || null : null,
  });
  const secret = (value: string, wanted: boolean): string | null | undefined => (!wanted ? undefined : value ? value : editing ? undefined : null);
  const password = secret(f.password, f.auth === 'password');
  const certificate = secret(f.certificate.trim(), f.auth === 'certificate');
  const privateKey = secret(f.privateKey.trim(), f.auth === 'certificate');
  if (password !== undefined) body.password = password;
  if (certificate !== undefined) body.certificate = certificate;
  if (privateKey !== undefined) body.privateKey = privateKey;
  return body;
}

/** An API error beside its field (`maxConcurrent` → that input); anything else on top of the form. */
export function errorsOf(error: unknown, f: ServerForm): FormErrors {
  if (!(error instanceof ApiError) || !error.field) return { form: errorText(error) };
  const field = error.field.split(/[.[]/)[0]!;
  const hidden = f.kind !== 'smtp' && ['host', 'port', 'security', 'tlsVerify', 'tlsCa', 'auth', 'username', 'password', 'certificate', 'privateKey'].includes(field);
  if (field in EMPTY_FORM && !hidden && typeof EMPTY_FORM[field as keyof ServerForm] === 'string') return { [field]: error.message };
  return { form: `${error.field}: ${error.message}` };
}
