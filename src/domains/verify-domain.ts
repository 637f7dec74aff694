/**
 * Checks a domain's DNS, keeps the result, and finishes a key rotation: when the pending key's
 * record is found published, it becomes the key mail is signed with.
 */
import { getSettings } from '../servers/settings.js';
import type { DnsLookup } from './dns.js';
import { checkDomain, type DomainCheck } from './check-domain.js';
import { activatePendingKey, domainKeys, findDomain, type DomainDeps } from './manage-domains.js';

export interface VerifiedDomain extends DomainCheck {
  /** The selector signing switched to, when this check finished a rotation. */
  switchedTo: string | null;
}

export async function verifyDomain(deps: DomainDeps, idOrName: string, dns: DnsLookup): Promise<VerifiedDomain> {
  const domain = await findDomain(deps.store, idOrName);
  const keys = await domainKeys(deps.store, domain.id);
  const now = deps.clock.now();
  const check = await checkDomain(domain, keys, await getSettings(deps.store), dns, now);
  const pending = check.checks.find((c) => c.kind === 'dkim' && c.keyState === 'pending');
  let switchedTo: string | null = null;
  if (pending?.status === 'ok' && (await activatePendingKey(deps, domain.id))) {
    switchedTo = pending.selector ?? null;
    pending.reason += `; signing now uses ${switchedTo}`;
  }
  await deps.store.db.updateTable('domains').set({ checked_at: now, last_check: JSON.stringify(check) }).where('id', '=', domain.id).execute();
  return { ...check, switchedTo };
}
