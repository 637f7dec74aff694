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
} as const;

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
};

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
