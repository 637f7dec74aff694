/**
 * One attempt to deliver one message to its claimed recipients. Reads as its steps: check the
 * message's lifetime, leave out suppressed recipients, route, build the bytes (From rewriting,
 * DKIM signing), wait for a session slot, check the server's rest and quota, send (one
 * transaction per recipient with a VERP return path), judge the answers. Each step that stops
 * the attempt returns its outcome.
 *
 * Once the worker is stopping, an attempt that has not begun a transaction gives its recipients
 * back (`held` until now, lease released: another worker takes them at once); one in a
 * transaction finishes it, and gives back only the transactions it had not begun.
 */
import type { Clock } from '../lib/clock.js';
import type { RetryConfig } from '../config/index.js';
import type { MessageRow, RecipientRow } from '../store/index.js';
import type { OutcomeRecord } from '../spool/index.js';
import { routeMessage } from '../servers/route-message.js';
import type { Lanes } from './lanes.js';
import { buildMessage } from './build-message.js';
import { judgeResult } from './judge-result.js';
import type { ProviderThrottles } from './provider-throttles.js';
import { UNTIL_FURTHER_NOTICE } from '../oauth/grants.js';
import type { ServerHealth } from './server-health.js';
import { every, outcomeFor } from './outcome-records.js';
import { verpAddress } from '../feedback/verp.js';
import type { BounceRule } from '../feedback/bounce-rules.js';
import type { AnswerRule } from './classify-answer.js';
import type { SendingDomains } from '../domains/sending-domains.js';

export interface Attempt {
  message: MessageRow;
  raw: Buffer;
  recipients: RecipientRow[];
  /** Recipients whose address is suppressed, by recipient id, with why. */
  suppressed?: ReadonlyMap<string, string>;
}

export interface AttemptContext {
  clock: Clock;
  lanes: Lanes;
  retry: RetryConfig;
  rules: readonly AnswerRule[];
  throttles: ProviderThrottles;
  health: ServerHealth;
  domains: SendingDomains;
  bounceRules: readonly BounceRule[];
  /** The key VERP tokens are signed with. */
  verpKey: Buffer;
  /** Aborts when the worker stops: attempts not yet sending give their recipients back. */
  stopping: AbortSignal;
}

/** Why a stopping worker's recipients went back to the queue (the `held` event's text). */
export const GIVEN_BACK = 'given back: the worker is stopping; another worker takes it at once';

export async function deliverAttempt(ctx: AttemptContext, claimed: Attempt): Promise<OutcomeRecord[]> {
  const { message } = claimed;
  if (ctx.clock.now() >= message.expires_at) {
    return every(claimed, null, { kind: 'expired', answer: null, reason: 'message lifetime ended before it could be delivered' });
  }

  const suppressed = claimed.recipients.flatMap((r) => {
    const why = claimed.suppressed?.get(r.id);
    return why ? [outcomeFor(r, null, { kind: 'suppressed', reason: why })] : [];
  });
  if (suppressed.length === claimed.recipients.length) return suppressed;
  const attempt = suppressed.length ? { ...claimed, recipients: claimed.recipients.filter((r) => !claimed.suppressed?.has(r.id)) } : claimed;
  return [...suppressed, ...(await deliverTo(ctx, attempt))];
}

function givenBack(ctx: AttemptContext, attempt: Attempt, serverId: string | null): OutcomeRecord[] {
  return every(attempt, serverId, { kind: 'held', until: ctx.clock.now(), reason: GIVEN_BACK });
}

async function deliverTo(ctx: AttemptContext, attempt: Attempt): Promise<OutcomeRecord[]> {
  const { message } = attempt;
  if (ctx.stopping.aborted) return givenBack(ctx, attempt, null);

  const route = routeMessage(ctx.lanes.servers(), routingSettings(ctx.lanes), message.from_address, message.requested_server_id);
  if (route.kind === 'none') return every(attempt, null, { kind: 'failed', answer: null, reason: route.reason });
  const lane = ctx.lanes.lane(route.server.id);

  // Built (and signed) before waiting for a session: a signing thread then works ahead of the
  // sessions instead of each session standing idle while its message is signed.
  const built = await buildMessage({ domains: ctx.domains, settings: routingSettings(ctx.lanes), now: ctx.clock.now() }, attempt, route.rewrittenFrom);

  const release = await lane.gate.acquireUnless(ctx.stopping);
  if (!release) return givenBack(ctx, attempt, lane.server.id);
  try {
    if (ctx.stopping.aborted) return givenBack(ctx, attempt, lane.server.id);
    const now = ctx.clock.now();
    let gate = await lane.throttle.gate(now, attempt.recipients.length);
    if (!gate.go && gate.until >= UNTIL_FURTHER_NOTICE) {
      // A rest until further notice may have just ended (the account was connected) without this
      // worker having read it yet; mail held now would wait for good. Read the servers again first.
      await ctx.lanes.refresh(0);
      // The server was changed meanwhile: its new lane decides, in a moment.
      if (!ctx.lanes.all().includes(lane)) return every(attempt, lane.server.id, { kind: 'held', until: now + 1000, reason: 'server changed' });
      gate = await lane.throttle.gate(now, attempt.recipients.length);
    }
    lane.gate.resize(lane.throttle.sessions(lane.maxSessions));
    if (!gate.go) return every(attempt, lane.server.id, { kind: 'held', until: gate.until, reason: `server ${gate.reason}` });
    const quota = lane.quota ? await lane.quota.take(now, attempt.recipients.length) : null;
    if (quota && !quota.ok) return every(attempt, lane.server.id, { kind: 'held', until: quota.until, reason: quota.reason });

    const records: OutcomeRecord[] = [];
    for (const part of envelopes(ctx, attempt, built.envelopeFrom, lane.server.kind === 'direct')) {
      if (ctx.stopping.aborted) {
        records.push(...givenBack(ctx, { ...attempt, recipients: part.recipients }, lane.server.id));
        continue;
      }
      const result = await lane.transport.send({ from: part.from, to: part.recipients.map((r) => r.address) }, built.raw, { messageId: message.id });
      records.push(...(await judgeResult({ ...ctx, lane }, { ...attempt, recipients: part.recipients }, result)));
    }
    const note = built.note;
    return note ? records.map((r) => ({ ...r, note })) : records;
  } finally {
    release();
  }
}

/**
 * With a bounce domain set, each recipient gets its own transaction with its own VERP return
 * path (feedback/verp.ts), so a bounce always says whom it is about; otherwise one transaction
 * for all of them, with the From address as the return path. Direct delivery goes to each
 * recipient domain's own MX hosts, so there a transaction carries one domain's recipients.
 */
function envelopes(ctx: AttemptContext, attempt: Attempt, from: string, byDomain: boolean): Array<{ from: string; recipients: RecipientRow[] }> {
  const bounceDomain = ctx.lanes.settings().bounce_domain;
  if (bounceDomain) return attempt.recipients.map((r) => ({ from: verpAddress(ctx.verpKey, r.id, bounceDomain), recipients: [r] }));
  if (!byDomain) return [{ from, recipients: attempt.recipients }];
  const groups = new Map<string, RecipientRow[]>();
  for (const r of attempt.recipients) {
    const domain = r.address.slice(r.address.lastIndexOf('@') + 1).toLowerCase();
    groups.set(domain, [...(groups.get(domain) ?? []), r]);
  }
  return [...groups.values()].map((recipients) => ({ from, recipients }));
}

function routingSettings(lanes: Lanes) {
  const s = lanes.settings();
  return { domainAlias: s.domain_alias, defaultFrom: s.default_from };
}
