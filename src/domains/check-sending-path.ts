/**
 * The authentication half of the pre-send check: for mail From a given address, sent the way
 * Postroom would send it now — is it DKIM-signed by an aligned domain, does SPF pass for the
 * addresses it leaves from, and what does the From domain's DMARC policy make of it?
 */
import type { Store } from '../store/index.js';
import { getSettings } from '../servers/settings.js';
import type { DnsLookup } from './dns.js';
import { readDmarcPolicy, type DmarcPolicy } from './dmarc-policy.js';
import { listDomains } from './manage-domains.js';
import { checkHost } from './spf/index.js';
import type { PresendCheck } from './presend/index.js';

const domainOf = (address: string): string => address.slice(address.lastIndexOf('@') + 1).toLowerCase();

export async function checkSendingPath(store: Store, fromAddress: string, dns: DnsLookup): Promise<PresendCheck[]> {
  const domain = domainOf(fromAddress);
  const settings = await getSettings(store);
  const domains = await listDomains(store);
  const signer = domains.find((d) => domain === d.name || domain.endsWith(`.${d.name}`)) ?? null;
  let policy: DmarcPolicy | null = null;
  let dmarcTrouble: string | null = null;
  try {
    policy = await readDmarcPolicy(dns, domain);
  } catch (error) {
    dmarcTrouble = error instanceof Error ? error.message : String(error);
  }
  const alias = settings.domain_alias && settings.default_from ? `${settings.default_from}@${settings.domain_alias}` : null;
  const rewritten = !signer && policy !== null && policy.policy !== 'none' && alias !== null;
  const checks: PresendCheck[] = [];

  if (signer) {
    checks.push({ id: 'dkim', title: 'DKIM signature', status: 'pass', penalty: 0, explanation: `Signed with the key of ${signer.name}, which aligns with the From domain ${domain}.` });
  } else if (rewritten) {
    checks.push({ id: 'dkim', title: 'DKIM signature', status: 'warn', penalty: 1, explanation: `${domain} publishes DMARC p=${policy!.policy} and Postroom has no key for it: the message goes out From ${alias} (signed for that domain if it has a key), the original address in Reply-To. Add ${domain} as a sending domain to send as it.` });
  } else {
    checks.push({ id: 'dkim', title: 'DKIM signature', status: 'fail', penalty: 2.5, explanation: `${domain} is not a sending domain, so the message is not DKIM-signed: Gmail and Yahoo expect signed mail, and without it DMARC cannot pass. Add it on the Domains page and publish its records.` });
  }

  const ips = (settings.sending_ips ?? '')
    .split(',')
    .map((ip) => ip.trim())
    .filter(Boolean);
  // SPF is checked for the return path: with a bounce domain every copy leaves with its own
  // bounce+TOKEN@bounce_domain (VERP); without one, the From address is the return path.
  const envelopeDomain = settings.bounce_domain ?? (rewritten && alias ? domainOf(alias) : domain);
  if (ips.length === 0) {
    checks.push({ id: 'spf', title: 'SPF', status: 'warn', penalty: 0.5, explanation: 'The sending_ips setting is empty, so SPF cannot be evaluated for the addresses mail leaves from.' });
  } else {
    const results = await Promise.all(ips.map(async (ip) => ({ ip, spf: await checkHost({ ip, domain: envelopeDomain, sender: `postmaster@${envelopeDomain}` }, dns).catch(() => null) })));
    const failing = results.filter((r) => r.spf?.result !== 'pass');
    const aligned = envelopeDomain === domain || envelopeDomain.endsWith(`.${domain}`) || domain.endsWith(`.${envelopeDomain}`);
    const alignment = aligned ? '' : ` The return path ${envelopeDomain} does not align with ${domain}, so DMARC passes through DKIM alone.`;
    checks.push(
      failing.length === 0
        ? { id: 'spf', title: 'SPF', status: 'pass', penalty: 0, explanation: `SPF of ${envelopeDomain} passes for ${ips.join(', ')}.${alignment}` }
        : { id: 'spf', title: 'SPF', status: 'fail', penalty: 1.5, explanation: failing.map((f) => `SPF of ${envelopeDomain} gives ${f.spf?.result ?? 'temperror'} for ${f.ip}${f.spf ? `: ${f.spf.reason}` : ''}`).join('; ') + '.' },
    );
  }

  if (dmarcTrouble) {
    checks.push({ id: 'dmarc', title: 'DMARC', status: 'warn', penalty: 0.5, explanation: `The DMARC policy of ${domain} could not be read (${dmarcTrouble}).` });
  } else if (!policy) {
    checks.push({ id: 'dmarc', title: 'DMARC', status: 'warn', penalty: 1, explanation: `${domain} publishes no DMARC record; Gmail and Yahoo require one of bulk senders (p=none is enough to start).` });
  } else {
    const passes = signer !== null || rewritten;
    checks.push({ id: 'dmarc', title: 'DMARC', status: passes ? 'pass' : 'fail', penalty: passes ? 0 : policy.policy === 'none' ? 1 : 3, explanation: passes ? `p=${policy.policy}: DKIM alignment passes it.` : `p=${policy.policy} and nothing aligned signs the message: receivers ${policy.policy === 'none' ? 'report it as failing' : policy.policy === 'quarantine' ? 'put it in spam' : 'refuse it'}.` });
  }
  return checks;
}
