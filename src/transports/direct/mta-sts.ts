/**
 * MTA-STS (RFC 8461): a domain that publishes `_mta-sts.DOMAIN TXT "v=STSv1; id=…"` serves its
 * policy at `https://mta-sts.DOMAIN/.well-known/mta-sts.txt` (a certificate valid for that name,
 * no redirects). Under `mode: enforce` mail goes only to the MX hosts the policy lists, over
 * STARTTLS with a certificate valid for the MX host's name; under `testing` it goes as usual.
 *
 * Policies are kept for their `max_age` and fetched again when the TXT id changes. A policy
 * that cannot be fetched leaves a kept one in force (§5.1: an attacker who blocks the fetch must
 * not switch MTA-STS off); with none kept, the domain is treated as having no policy for an hour.
 */
import { request } from 'node:https';
import type { DnsLookup } from '../../domains/dns.js';
import { hostAddresses } from './resolve-mx.js';

export type MtaStsResult =
  | { mode: 'none' }
  | { mode: 'enforce' | 'testing'; mx: string[]; maxAgeSeconds: number; id: string };

export interface MtaStsRequirement {
  requireTls: boolean;
  /** The certificate must be valid for the MX host's name. */
  verifyHost: boolean;
  /** Why this host must not be used at all. */
  refuse?: string;
}

const MAX_POLICY_BYTES = 64 * 1024;
const FETCH_TIMEOUT_MS = 15_000;
const RETRY_AFTER_FAILURE_MS = 3_600_000;

/** The policy file's fields; an error names what is wrong. */
export function parseMtaStsPolicy(text: string, id: string): MtaStsResult {
  const fields = new Map<string, string[]>();
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    fields.set(key, [...(fields.get(key) ?? []), line.slice(colon + 1).trim()]);
  }
  const version = fields.get('version')?.[0];
  if (version !== 'STSv1') throw new Error(`version is ${version ? `"${version}"` : 'missing'}, not STSv1`);
  const mode = fields.get('mode')?.[0]?.toLowerCase();
  if (mode !== 'enforce' && mode !== 'testing' && mode !== 'none') throw new Error(`mode is ${mode ? `"${mode}"` : 'missing'}`);
  const maxAge = Number(fields.get('max_age')?.[0]);
  if (!Number.isInteger(maxAge) || maxAge < 0 || maxAge > 31_557_600) throw new Error('max_age is missing or out of range');
  if (mode === 'none') return { mode: 'none' };
  const mx = [...new Set((fields.get('mx') ?? []).map((m) => m.toLowerCase().replace(/\.$/, '')))];
  if (mx.length === 0) throw new Error(`mode ${mode} lists no mx`);
  return { mode, mx, maxAgeSeconds: maxAge, id };
}

/** Whether `host` is listed: exactly, or by `*.example.com` for one label left of it (§4.1). */
export function mxMatches(pattern: string, host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  if (!pattern.startsWith('*.')) return pattern === name;
  const dot = name.indexOf('.');
  return dot > 0 && name.slice(dot + 1) === pattern.slice(2);
}

export function mtaStsRequirement(policy: MtaStsResult, host: string): MtaStsRequirement {
  if (policy.mode !== 'enforce') return { requireTls: false, verifyHost: false };
  if (!policy.mx.some((pattern) => mxMatches(pattern, host))) {
    return { requireTls: true, verifyHost: true, refuse: `MTA-STS policy (enforce) does not list MX host ${host} (lists ${policy.mx.join(', ')})` };
  }
  return { requireTls: true, verifyHost: true };
}

export interface MtaStsOptions {
  dns: DnsLookup;
  /** The HTTPS port policies are fetched from: 443 but in tests. */
  port?: number;
  /** Certificate authorities to trust instead of the system's (tests). */
  ca?: string | undefined;
  now: () => number;
}

interface Kept {
  policy: MtaStsResult;
  /** The TXT record's id the policy came with ('' for "no policy"). */
  id: string;
  expires: number;
  /** When DNS was last asked for the id. */
  checkedAt: number;
}

export class MtaStsPolicies {
  private readonly kept = new Map<string, Kept>();
  private readonly pending = new Map<string, Promise<MtaStsResult>>();

  constructor(private readonly options: MtaStsOptions) {}

  policyFor(domain: string): Promise<MtaStsResult> {
    const asked = this.pending.get(domain);
    if (asked) return asked;
    const asking = this.look(domain).finally(() => this.pending.delete(domain));
    this.pending.set(domain, asking);
    return asking;
  }

  private async look(domain: string): Promise<MtaStsResult> {
    const now = this.options.now();
    const kept = this.kept.get(domain);
    // A kept policy is used without asking DNS again for a minute (many messages to one domain).
    if (kept && kept.expires > now && kept.checkedAt > now - 60_000) return kept.policy;
    let id: string | null;
    try {
      id = await this.policyId(domain);
    } catch {
      return kept && kept.expires > now ? kept.policy : { mode: 'none' };
    }
    if (id === null) {
      // The record is gone: RFC 8461 §5 keeps a cached policy until it expires.
      if (kept && kept.expires > now && kept.policy.mode !== 'none') return kept.policy;
      this.keep(domain, { policy: { mode: 'none' }, id: '', expires: now + RETRY_AFTER_FAILURE_MS, checkedAt: now });
      return { mode: 'none' };
    }
    if (kept && kept.id === id && kept.expires > now) {
      kept.checkedAt = now;
      return kept.policy;
    }
    try {
      const policy = parseMtaStsPolicy(await this.fetchPolicy(domain), id);
      const maxAge = policy.mode === 'none' ? 86_400 : policy.maxAgeSeconds;
      this.keep(domain, { policy, id, expires: now + maxAge * 1000, checkedAt: now });
      return policy;
    } catch {
      if (kept && kept.expires > now) return kept.policy;
      this.keep(domain, { policy: { mode: 'none' }, id: '', expires: now + RETRY_AFTER_FAILURE_MS, checkedAt: now });
      return { mode: 'none' };
    }
  }

  private keep(domain: string, entry: Kept): void {
    if (this.kept.size >= 10_000) this.kept.delete(this.kept.keys().next().value!);
    this.kept.set(domain, entry);
  }

  /** The id of the domain's one STSv1 TXT record; null when there is none (or several). */
  private async policyId(domain: string): Promise<string | null> {
    const records = (await this.options.dns.txt(`_mta-sts.${domain}`)).filter((r) => /^v=STSv1\s*(;|$)/.test(r.trim()));
    if (records.length !== 1) return null;
    const id = /(?:^|;)\s*id=([A-Za-z0-9]{1,32})\s*(?:;|$)/.exec(records[0]!);
    return id ? id[1]! : null;
  }

  private async fetchPolicy(domain: string): Promise<string> {
    const servername = `mta-sts.${domain}`;
    const [address] = await hostAddresses(this.options.dns, servername);
    if (!address) throw new Error(`${servername} has no address`);
    return new Promise<string>((resolve, reject) => {
      const req = request(
        {
          host: address,
          port: this.options.port ?? 443,
          path: '/.well-known/mta-sts.txt',
          method: 'GET',
          servername,
          headers: { host: servername },
          rejectUnauthorized: true,
          ...(this.options.ca ? { ca: this.options.ca } : {}),
          timeout: FETCH_TIMEOUT_MS,
          // Node checks the certificate against `servername` (the policy host), not the address dialled.
        },
        (res) => {
          if (res.statusCode !== 200) {
            res.resume();
            return reject(new Error(`HTTP ${res.statusCode} for https://${servername}/.well-known/mta-sts.txt`));
          }
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_POLICY_BYTES) return void req.destroy(new Error('policy too large'));
            chunks.push(chunk);
          });
          res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`timed out fetching the MTA-STS policy of ${domain}`)));
      req.on('error', reject);
      req.end();
    });
  }
}
