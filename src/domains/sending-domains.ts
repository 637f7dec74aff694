/**
 * What a worker knows about sending domains while it delivers: each domain's active DKIM key
 * (opened once as a KeyObject — re-parsing a PEM per message costs more than the signature) and,
 * for From domains without a key, their DMARC policy, cached for an hour (ten minutes when the
 * lookup failed, so a DNS hiccup does not decide for long).
 */
import { createPrivateKey } from 'node:crypto';
import type { Store } from '../store/index.js';
import type { SecretBox } from '../servers/secret-box.js';
import type { DnsLookup } from './dns.js';
import type { DkimSigningKey } from './dkim-sign.js';
import { readDmarcPolicy, type DmarcPolicy } from './dmarc-policy.js';
import { signMessage } from './dkim-sign.js';

/** Makes DKIM signatures; the delivery worker's build threads, or this thread. */
export interface Signer {
  sign(raw: Buffer, key: DkimSigningKey, now: number): Promise<Buffer>;
}

const inlineSigner: Signer = { sign: async (raw, key, now) => signMessage(raw, key, now) };

const POLICY_TTL_MS = 3_600_000;
const FAILED_LOOKUP_TTL_MS = 600_000;

export class SendingDomains {
  private keys = new Map<string, DkimSigningKey>();
  private fingerprint = '';
  private loadedAt = -Infinity;
  private readonly policies = new Map<string, { until: number; policy: Promise<DmarcPolicy | null> }>();
  constructor(
    private readonly store: Store,
    private readonly secrets: SecretBox,
    private readonly dns: DnsLookup,
    private readonly signer: Signer = inlineSigner,
  ) {}

  /** Re-reads the keys when a domain or key changed (one small query tells), at most every `maxAgeMs` otherwise. */
  async refresh(maxAgeMs = 1000): Promise<void> {
    const now = Date.now();
    const print = await this.store.db
      .selectFrom('domains')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.max('updated_at').as('changed')])
      .executeTakeFirstOrThrow();
    const fingerprint = `${Number(print.n)}:${Number(print.changed ?? 0)}`;
    if (fingerprint === this.fingerprint && now - this.loadedAt < maxAgeMs) return;
    const rows = await this.store.db
      .selectFrom('dkim_keys')
      .innerJoin('domains', 'domains.id', 'dkim_keys.domain_id')
      .select(['domains.name', 'dkim_keys.selector', 'dkim_keys.algorithm', 'dkim_keys.private_key'])
      .where('dkim_keys.state', '=', 'active')
      .execute();
    const keys = new Map<string, DkimSigningKey>();
    for (const row of rows) {
      const previous = this.keys.get(row.name);
      // The same key as before keeps its KeyObject.
      if (previous && previous.selector === row.selector && previous.algorithm === row.algorithm) keys.set(row.name, previous);
      else keys.set(row.name, { domain: row.name, selector: row.selector, algorithm: row.algorithm, key: createPrivateKey(this.secrets.open(row.private_key)) });
    }
    this.keys = keys;
    this.fingerprint = fingerprint;
    this.loadedAt = now;
  }

  /** The key to sign mail from `domain` with: its own, else its nearest parent's (still aligned under relaxed DMARC). */
  keyFor(domain: string): DkimSigningKey | null {
    let name = domain.toLowerCase();
    for (;;) {
      const key = this.keys.get(name);
      if (key) return key;
      const dot = name.indexOf('.');
      if (dot < 0 || name.indexOf('.', dot + 1) < 0) return null;
      name = name.slice(dot + 1);
    }
  }

  /** The message signed with `key` (on a build thread where there are spare cores). */
  sign(raw: Buffer, key: DkimSigningKey, now: number): Promise<Buffer> {
    return this.signer.sign(raw, key, now);
  }

  /** The DMARC policy that applies to `domain` (null: none published, or the lookup failed). */
  async dmarcPolicy(domain: string, now = Date.now()): Promise<DmarcPolicy | null> {
    const name = domain.toLowerCase();
    const cached = this.policies.get(name);
    if (cached && cached.until > now) return cached.policy;
    const entry = { until: now + POLICY_TTL_MS, policy: readDmarcPolicy(this.dns, name) };
    entry.policy = entry.policy.catch(() => {
      entry.until = now + FAILED_LOOKUP_TTL_MS;
      return null;
    });
    this.policies.set(name, entry);
    if (this.policies.size > 10_000) this.policies.delete(this.policies.keys().next().value!);
    return entry.policy;
  }
}
