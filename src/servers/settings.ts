/** Global product settings kept in the database: what routing falls back to, and the bulk server. */
import { isIP } from 'node:net';
import { z } from 'zod';
import type { Store } from '../store/index.js';
import { InputError } from '../lib/input-error.js';
import { isValidAddress } from '../spool/addresses.js';
import { findServer } from './manage-servers.js';

export const SETTINGS = {
  domain_alias: 'Domain used when From must be rewritten: mail goes out as {default_from}@{domain_alias}.',
  default_from: 'Local part used when From must be rewritten (for example "notifications").',
  bulk_server: 'Server that campaigns use unless they name another (a server name; empty for normal routing).',
  webhooks_allow_private: '"true" lets webhook URLs point at loopback, link-local and private addresses (off by default: a webhook must not reach into this network).',
  sending_ips: 'The public IPv4 / IPv6 addresses mail leaves from, comma-separated: SPF records list them as ip4: / ip6:, and domain checks evaluate SPF for them.',
  spf_include: 'A domain whose SPF record covers the servers mail leaves through (for example _spf.mail.example.net): SPF records include it.',
  mail_host: "This installation's public host name: the MX of the bounce domain and the target of the tracking domain.",
  bounce_domain: 'The return-path domain: bounces come back to addresses at it (its MX must point at mail_host).',
  tracking_domain: 'The host name open and click tracking links use (a CNAME to mail_host).',
  dmarc_reports: 'Address DMARC aggregate reports go to (rua=) in the suggested DMARC records; default dmarc@ the domain.',
  tracking_base_url: 'Where open, click and unsubscribe links point (for example https://track.example.com); default https://{tracking_domain}. Without either, mail carries no tracking links.',
  soft_bounce_limit: 'Soft bounces of one address within soft_bounce_window_days that put it on the suppression list (default 3).',
  soft_bounce_window_days: 'The window soft bounces are counted in (default 7 days).',
  soft_bounce_suppress_days: 'How long a soft-bounce suppression lasts (default 30 days; 0: until removed).',
  bounce_guardrail_percent: "A campaign whose bounce rate passes this is paused (default 5).",
  complaint_guardrail_percent: 'A campaign whose complaint rate passes this is paused (default 0.3).',
} as const;

/** What the feedback loop reads, with the defaults for settings left unset. */
export interface FeedbackSettings {
  softBounceLimit: number;
  softBounceWindowMs: number;
  /** null: soft-bounce suppressions do not expire. */
  softBounceSuppressMs: number | null;
  bounceGuardrail: number;
  complaintGuardrail: number;
}

const DAY_MS = 86_400_000;

export function feedbackSettings(settings: Settings): FeedbackSettings {
  const number = (key: SettingKey, fallback: number): number => (settings[key] === null ? fallback : Number(settings[key]));
  const suppressDays = number('soft_bounce_suppress_days', 30);
  return {
    softBounceLimit: number('soft_bounce_limit', 3),
    softBounceWindowMs: number('soft_bounce_window_days', 7) * DAY_MS,
    softBounceSuppressMs: suppressDays === 0 ? null : suppressDays * DAY_MS,
    bounceGuardrail: number('bounce_guardrail_percent', 5) / 100,
    complaintGuardrail: number('complaint_guardrail_percent', 0.3) / 100,
  };
}

/** The base of tracking and unsubscribe links, without a trailing slash; null when none is set. */
export function trackingBase(settings: Settings): string | null {
  if (settings.tracking_base_url) return settings.tracking_base_url.replace(/\/+$/, '');
  return settings.tracking_domain ? `https://${settings.tracking_domain}` : null;
}

export type SettingKey = keyof typeof SETTINGS;
export type Settings = Record<SettingKey, string | null>;

const checks: Record<SettingKey, z.ZodType<string>> = {
  domain_alias: z.string().toLowerCase().refine((v) => isValidAddress(`x@${v}`), 'must be a domain like example.com'),
  default_from: z.string().refine((v) => isValidAddress(`${v}@example.com`), 'must be the local part of an address, like notifications'),
  bulk_server: z.string(),
  webhooks_allow_private: z.enum(['true', 'false'], 'must be "true" or "false"'),
  sending_ips: z.string().refine((v) => v.split(',').every((ip) => isIP(ip.trim()) !== 0), 'must be IPv4 or IPv6 addresses, comma-separated'),
  spf_include: z.string().toLowerCase().refine(isHostName, 'must be a domain like _spf.example.net'),
  mail_host: z.string().toLowerCase().refine(isHostName, 'must be a host name like mail.example.net'),
  bounce_domain: z.string().toLowerCase().refine(isHostName, 'must be a domain like bounces.example.com'),
  tracking_domain: z.string().toLowerCase().refine(isHostName, 'must be a host name like track.example.com'),
  dmarc_reports: z.string().refine((v) => isValidAddress(v), 'must be an email address'),
  tracking_base_url: z.string().refine(isHttpUrl, 'must be an http:// or https:// URL without a query, like https://track.example.com'),
  soft_bounce_limit: wholeNumber(1, 1000),
  soft_bounce_window_days: wholeNumber(1, 365),
  soft_bounce_suppress_days: wholeNumber(0, 3650),
  bounce_guardrail_percent: percent(),
  complaint_guardrail_percent: percent(),
};

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && !url.search && !url.hash && !url.username;
  } catch {
    return false;
  }
}

function wholeNumber(min: number, max: number): z.ZodType<string> {
  return z.string().refine((v) => /^\d+$/.test(v) && Number(v) >= min && Number(v) <= max, `must be a whole number from ${min} to ${max}`);
}

function percent(): z.ZodType<string> {
  return z.string().refine((v) => /^\d+(\.\d+)?$/.test(v) && Number(v) > 0 && Number(v) <= 100, 'must be a percentage above 0 and at most 100, like 5 or 0.3');
}

function isHostName(value: string): boolean {
  const labels = value.replace(/\.$/, '').split('.');
  return labels.length >= 2 && value.length <= 253 && labels.every((l) => /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/.test(l));
}

/** Every setting, unset. */
export const emptySettings = (): Settings => Object.fromEntries(Object.keys(SETTINGS).map((key) => [key, null])) as Settings;

export function isSettingKey(key: string): key is SettingKey {
  return Object.hasOwn(SETTINGS, key);
}

export async function getSettings(store: Store): Promise<Settings> {
  const rows = await store.db.selectFrom('settings').selectAll().execute();
  const settings = emptySettings();
  for (const row of rows) if (isSettingKey(row.key)) settings[row.key] = row.value;
  return settings;
}

/** Sets one setting; an empty value clears it. A bulk server is stored by id so renaming it keeps the setting. */
export async function setSetting(store: Store, key: string, value: string): Promise<Settings> {
  if (!isSettingKey(key)) throw new InputError('key', `unknown setting "${key}"; known: ${Object.keys(SETTINGS).join(', ')}`);
  const trimmed = value.trim();
  if (trimmed === '') {
    await store.db.deleteFrom('settings').where('key', '=', key).execute();
    return getSettings(store);
  }
  const parsed = checks[key].safeParse(trimmed);
  if (!parsed.success) throw new InputError(key, parsed.error.issues[0]?.message ?? 'invalid');
  const stored = key === 'bulk_server' ? (await findServer(store, parsed.data, 'bulk_server')).id : parsed.data;
  await store.db
    .insertInto('settings')
    .values({ key, value: stored })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: stored }))
    .execute();
  return getSettings(store);
}
