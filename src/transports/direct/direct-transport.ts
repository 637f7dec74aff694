/**
 * Built-in direct delivery: each transaction (one recipient domain's recipients) goes straight to
 * that domain's mail servers.
 *
 *   1. MX lookup (RFC 5321 §5.1): hosts in preference order; no MX → the domain's A / AAAA as an
 *      implicit MX; a null MX (RFC 7505) or no host at all → a permanent refusal, never sent.
 *   2. The destination (shaping.ts): the domain's MX hosts rolled up under one name, with their
 *      limits and throttle; paused or over its rate → the message waits (no attempt spent).
 *   3. MTA-STS (RFC 8461): under an `enforce` policy only MX hosts the policy lists are used,
 *      with STARTTLS and a certificate valid for the host name; otherwise STARTTLS when offered
 *      (opportunistic, RFC 7435), and in clear text if the TLS handshake fails.
 *   4. Hosts in turn: a host that cannot be reached, fails TLS or refuses at the greeting is
 *      passed for the next; the first host that answers the transaction decides.
 */
import { readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import type { OutgoingServer } from '../../servers/server-record.js';
import type { SmtpAnswer } from '../../lib/smtp-answer.js';
import type { Envelope, SendResult, Transport } from '../transport.js';
import type { TransportDeps } from '../index.js';
import type { SessionTarget } from '../smtp-session.js';
import { destinationOf } from './shaping.js';
import { DestinationPool, type DestinationState } from './destination-pool.js';
import { LookupCache, hostAddresses, mxCache, resolveMx } from './resolve-mx.js';
import { MtaStsPolicies, mtaStsRequirement, type MtaStsResult } from './mta-sts.js';

type Trouble = Extract<SendResult, { kind: 'trouble' }>;

export function createDirectTransport(server: OutgoingServer, deps: TransportDeps): Transport {
  const dns = deps.dns;
  const direct = deps.direct;
  if (!dns || !direct) throw new Error('direct delivery needs a DNS resolver and its options');
  const ca = direct.mtaStsCa ? readFileSync(direct.mtaStsCa, 'utf8') : undefined;
  const mx = mxCache({ now: () => deps.clock.now() });
  // A lookup that failed answers [] here (the host is passed over) and is not kept.
  const addressesOf = new LookupCache<string[]>({ now: () => deps.clock.now() }, (list) => list.length > 0);
  const policies = new MtaStsPolicies({ dns, port: direct.mtaStsPort, ca, now: () => deps.clock.now() });
  const pool = new DestinationPool({
    store: deps.store,
    clock: deps.clock,
    serverId: server.id,
    serverName: server.name,
    clientName: server.ehloName ?? deps.clientName,
    slots: deps.slots,
    onError: deps.onError,
  });
  const sources = { v4: server.sourceAddresses.filter((a) => !isIPv6(a)), v6: server.sourceAddresses.filter(isIPv6) };
  let nextSource = 0;
  let prunedAt = deps.clock.now();

  async function send(envelope: Envelope, raw: Buffer): Promise<SendResult> {
    const domain = envelope.to[0]!.slice(envelope.to[0]!.lastIndexOf('@') + 1).toLowerCase();
    const resolved = await mx.get(domain, () => resolveMx(dns!, domain));
    if (resolved.kind === 'null-mx') return refuseAll(envelope, { code: 556, enhanced: '5.1.10', text: `${domain} accepts no mail (null MX, RFC 7505)` });
    if (resolved.kind === 'no-host') return refuseAll(envelope, { code: 550, enhanced: '5.1.2', text: `${domain} has no mail server (no MX, A or AAAA record)` });
    if (resolved.kind === 'dns-error') return { kind: 'trouble', stage: 'connect', detail: `DNS: ${resolved.detail}`, answer: null };

    const state = await pool.state(destinationOf(direct!.shaping, domain, resolved.hosts[0]!.name));
    const name = state.destination.name;
    const now = deps.clock.now();
    const gate = await state.throttle.gate(now, envelope.to.length);
    if (!gate.go) return { kind: 'throttled', until: gate.until, reason: `destination ${name} ${gate.reason}`, destination: name };
    const quota = state.ledger ? await state.ledger.take(now, envelope.to.length) : null;
    if (quota && !quota.ok) return { kind: 'throttled', until: quota.until, reason: `destination ${name}: ${quota.reason}`, destination: name };
    if (now - prunedAt > 60_000) {
      prunedAt = now;
      void pool.prune().catch(deps.onError ?? (() => undefined));
    }

    const policy: MtaStsResult = await policies.policyFor(domain).catch(() => ({ mode: 'none' as const }));
    let last: Trouble | null = null;
    for (const host of resolved.hosts) {
      const rule = mtaStsRequirement(policy, host.name);
      if (rule.refuse) {
        last = { kind: 'trouble', stage: 'tls', detail: rule.refuse, answer: null };
        continue;
      }
      const addresses = await addressesOf.get(host.name, () => hostAddresses(dns!, host.name).catch(() => []));
      if (addresses.length === 0) last = { kind: 'trouble', stage: 'connect', detail: `${host.name} has no address`, answer: null };
      for (const address of addresses.slice(0, 2)) {
        const result = await sendVia(state, host.name, address, rule.requireTls, envelope, raw);
        if (result.kind !== 'trouble' || !nextHostMayTry(result)) return { ...result, destination: name };
        last = result;
      }
    }
    return { ...(last ?? { kind: 'trouble', stage: 'connect', detail: `no MX host of ${domain} could be reached`, answer: null }), destination: name };
  }

  /** One host address; in clear text after a failed TLS handshake unless TLS is required. */
  async function sendVia(state: DestinationState, host: string, address: string, requireTls: boolean, envelope: Envelope, raw: Buffer): Promise<SendResult> {
    const localAddress = sourceFor(address);
    const target = (security: SessionTarget['security']): SessionTarget => ({
      host: address,
      port: server.port || 25,
      security,
      auth: 'none',
      username: null,
      tlsVerify: requireTls,
      tlsCa: ca ?? null,
      servername: host,
      ...(localAddress ? { localAddress } : {}),
    });
    const security = requireTls ? 'starttls' : 'opportunistic';
    const result = await pool.hostTransport(state, `${address}|${security}|${localAddress ?? ''}`, target(security)).send(envelope, raw, { messageId: '' });
    if (result.kind === 'trouble' && result.stage === 'tls' && !requireTls) {
      return pool.hostTransport(state, `${address}|none|${localAddress ?? ''}`, target('none')).send(envelope, raw, { messageId: '' });
    }
    return result;
  }

  /** Source addresses of the family of the host's address, in turn. */
  function sourceFor(address: string): string | undefined {
    const list = isIPv6(address) ? sources.v6 : sources.v4;
    if (list.length === 0) return undefined;
    nextSource = (nextSource + 1) % list.length;
    return list[nextSource];
  }

  return {
    send,
    sessionsInUse: () => pool.sessionsInUse(),
    destinationThrottle: (name) => pool.get(name)?.throttle,
    close: () => pool.close(),
  };
}

/**
 * RFC 5321 §5.1: an MX host that cannot be reached or does not greet us is passed for the next.
 * Once a host has answered in the transaction, its answer stands (a 421 there throttles).
 */
function nextHostMayTry(result: Trouble): boolean {
  if (result.stage === 'connect' || result.stage === 'tls') return true;
  return result.stage === 'greeting';
}

function refuseAll(envelope: Envelope, answer: SmtpAnswer): SendResult {
  return { kind: 'answered', recipients: envelope.to.map((address) => ({ address, accepted: false, answer, stage: 'rcpt' as const })) };
}
