/**
 * The DNS records a sending domain should publish, worked out from its keys, the settings and —
 * for SPF — what the domain publishes now: a domain keeps exactly one SPF record (RFC 7208 §4.5),
 * so ours is merged into theirs rather than added beside it.
 */
import type { DkimKeyRow, DomainRow } from '../store/index.js';
import type { Settings } from '../servers/settings.js';
import type { DnsLookup } from './dns.js';
import { dkimRecordText, txtStrings } from './dkim-key.js';
import { countLookups, mergeSpf, SPF_LOOKUP_LIMIT } from './spf/index.js';

export type RecordKind = 'dkim' | 'spf' | 'dmarc' | 'return-path' | 'tracking';

export interface RecordToPublish {
  kind: RecordKind;
  /** Fully qualified, without the trailing dot. */
  name: string;
  type: 'TXT' | 'MX' | 'CNAME';
  value: string;
  /** TXT: the character-strings to publish (each at most 255 bytes). */
  strings?: string[];
  /** MX preference. */
  priority?: number;
  /** What to do with it, in a sentence. */
  note: string;
  warnings: string[];
}

/** What SPF must add for mail to pass: `include:` the configured domain, else the sending IPs. */
export function spfMechanism(settings: Settings): string | null {
  if (settings.spf_include) return `include:${settings.spf_include}`;
  const ips = (settings.sending_ips ?? '')
    .split(',')
    .map((ip) => ip.trim())
    .filter(Boolean);
  if (ips.length) return ips.map((ip) => (ip.includes(':') ? `ip6:${ip}` : `ip4:${ip}`)).join(' ');
  return null;
}

const txt = (kind: RecordKind, name: string, value: string, note: string, warnings: string[] = []): RecordToPublish => ({ kind, name, type: 'TXT', value, strings: txtStrings(value), note, warnings });

export async function domainRecords(domain: DomainRow, keys: DkimKeyRow[], settings: Settings, dns: DnsLookup): Promise<RecordToPublish[]> {
  const records: RecordToPublish[] = [];
  for (const key of keys.filter((k) => k.state !== 'retired')) {
    records.push(
      txt(
        'dkim',
        `${key.selector}._domainkey.${domain.name}`,
        dkimRecordText(key.algorithm, key.public_key),
        key.state === 'active'
          ? `The public half of the ${key.algorithm === 'rsa' ? 'RSA-2048' : 'Ed25519'} key mail from ${domain.name} is signed with.`
          : `A new key (rotation): publish it next to the current one; the next check that finds it switches signing to it.`,
      ),
    );
  }

  const mechanism = spfMechanism(settings);
  if (mechanism) {
    const current = await dns.txt(domain.name).catch(() => null);
    const merged = mergeSpf(current ?? [], mechanism);
    const warnings = [...merged.warnings];
    if (current === null) warnings.push(`the SPF record ${domain.name} publishes now could not be read: check that this suggestion does not replace one`);
    const count = await countLookups(merged.record, dns).catch(() => null);
    if (count && count.lookups > SPF_LOOKUP_LIMIT) warnings.push(`this record needs ${count.lookups} DNS lookups; SPF allows ${SPF_LOOKUP_LIMIT}, so receivers will treat it as an error (permerror): flatten some includes into ip4: / ip6:`);
    const published = (current ?? []).filter((r) => /^v=spf1(\s|$)/i.test(r.trim())).length;
    const note =
      published > 1
        ? `${domain.name} publishes ${published} SPF records: replace them all with this one record (their terms merged, ${mechanism} added).`
        : merged.action === 'new'
        ? `${domain.name} publishes no SPF record: publish this one.`
        : merged.action === 'merged'
          ? `Replace the SPF record ${domain.name} publishes with this one (${mechanism} added before its last term; the rest unchanged).`
          : `${domain.name} already publishes an SPF record that includes ${mechanism}: nothing to change.`;
    records.push(txt('spf', domain.name, merged.record, note, warnings));
  } else {
    records.push({ kind: 'spf', name: domain.name, type: 'TXT', value: '', note: 'Set the sending_ips or spf_include setting: Postroom needs to know where mail leaves from to suggest an SPF record.', warnings: ['no SPF suggestion without sending_ips or spf_include'] });
  }

  const rua = settings.dmarc_reports ?? `dmarc@${domain.name}`;
  records.push(
    txt(
      'dmarc',
      `_dmarc.${domain.name}`,
      `v=DMARC1; p=none; rua=mailto:${rua}; adkim=r; aspf=r`,
      `Start with p=none and read the reports sent to ${rua}. When for two to four weeks they show only your own servers, all passing, move to p=quarantine; pct=25, then p=quarantine, then p=reject.`,
    ),
  );

  const host = settings.mail_host;
  if (settings.bounce_domain) {
    records.push({
      kind: 'return-path',
      name: settings.bounce_domain,
      type: 'MX',
      value: host ?? '(set mail_host)',
      priority: 10,
      note: `Bounces come back to addresses at ${settings.bounce_domain}: its MX points at this installation.`,
      warnings: host ? [] : ['set the mail_host setting to this installation\'s public host name'],
    });
    if (mechanism) records.push(txt('return-path', settings.bounce_domain, `v=spf1 ${mechanism} -all`, `The return path is what SPF checks: let the same servers send for ${settings.bounce_domain}.`));
  }
  if (settings.tracking_domain) {
    records.push({
      kind: 'tracking',
      name: settings.tracking_domain,
      type: 'CNAME',
      value: host ?? '(set mail_host)',
      note: `Open and click tracking links use ${settings.tracking_domain}.`,
      warnings: host ? [] : ["set the mail_host setting to this installation's public host name"],
    });
  }
  return records;
}

/** A record as a zone-file line. */
export function zoneLine(record: RecordToPublish): string {
  const name = `${record.name}.`;
  if (record.type === 'MX') return `${name} IN MX ${record.priority ?? 10} ${record.value}.`;
  if (record.type === 'CNAME') return `${name} IN CNAME ${record.value}.`;
  return `${name} IN TXT ${(record.strings ?? txtStrings(record.value)).map((s) => `"${s.replace(/(["\\])/g, '\\$1')}"`).join(' ')}`;
}
