/**
 * The delivery worker: claims due recipients in batches, hands each message's claimed
 * recipients to an attempt, and records the outcomes.
 *
 *   running   claiming while fewer than `maxInFlight` recipients are in flight
 *   stopping  no new claims; SMTP transactions under way finish and their outcomes are
 *             written; recipients whose transaction had not begun are given back (lease
 *             released, due now: another worker takes them at once). `stop(graceMs)` waits at
 *             most that long; what is still sending then keeps its lease, which lapses, and
 *             is retried then (it may have been delivered: never given back as unsent)
 *   stopped   sessions closed
 *
 * Leases of long-running attempts are renewed so no other worker takes them over.
 */
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Store, RecipientRow, MessageRow } from '../store/index.js';
import type { Clock } from '../lib/clock.js';
import type { Config } from '../config/index.js';
import type { SecretBox } from '../servers/secret-box.js';
import { newId } from '../lib/ids.js';
import { claimRecipients, domainOf, renewLeases, type OutcomeRecord } from '../spool/index.js';
import { Lanes } from './lanes.js';
import { Recorder } from './recorder.js';
import { deliverAttempt, type Attempt, type AttemptContext } from './deliver-attempt.js';
import { createProviderThrottles } from './provider-throttles.js';
import { createServerHealth } from './server-health.js';
import { testConnection } from '../servers/test-connection.js';
import { loadShaping } from '../transports/direct/shaping.js';
import { loadAnswerRules, type AnswerRule } from './classify-answer.js';
import { createSessionSlots } from '../throttle/index.js';
import { createCampaignRenderer, type CampaignRenderer } from '../campaigns/campaign-renderer.js';
import { BuildPool } from './build-pool.js';
import { SendingDomains } from '../domains/sending-domains.js';
import { createDnsLookup, dnsOptionsOf, type DnsLookup } from '../domains/dns.js';
import { loadBounceRules, type BounceRule } from '../feedback/bounce-rules.js';
import { findSuppressions, suppressionFor, describeSuppression } from '../feedback/find-suppressions.js';
import { recordDeliveryBounces } from '../feedback/record-delivery-bounces.js';
import { feedbackSettings } from '../servers/settings.js';
import { noteOutcomes } from '../ops/telemetry.js';

export interface WorkerDeps {
  store: Store;
  clock: Clock;
  secrets: SecretBox;
  config: Config;
  log: Logger;
  rules?: readonly AnswerRule[];
  /** Bounce classification rules; rules/bounces.txt and the data directory's own by default. */
  bounceRules?: readonly BounceRule[];
  /** Name sent with EHLO; the host name by default. */
  clientName?: string;
  /** DNS for DMARC lookups; the configured resolver by default. */
  dns?: DnsLookup;
}

export interface WorkerOptions {
  /** Resolve `done` once nothing is due and nothing is in flight. */
  exitWhenIdle?: boolean;
}

export interface StopResult {
  /** Recipients still in an SMTP transaction when the grace ended; their leases lapse and they are retried then. */
  stillSending: number;
}

export interface WorkerStats {
  claimed: number;
  recorded: number;
  inFlight: number;
}

export interface Worker {
  readonly owner: string;
  /** Resolves when the worker has stopped (after `stop`, or when idle with `exitWhenIdle`). */
  readonly done: Promise<void>;
  /**
   * Stops claiming; transactions under way finish, the rest is given back at once. Resolves
   * when everything in flight is done, or after `graceMs` with what is still sending then.
   */
  stop(options?: { graceMs?: number }): Promise<StopResult>;
  stats(): WorkerStats;
  /** Sessions open or opening right now, per server name (for "no more than N at a time"). */
  sessionsInUse(): Record<string, number>;
  /** True while the worker claims work: not once it is stopping, stopped or idle-exited. */
  running(): boolean;
}

export function startWorker(deps: WorkerDeps, options: WorkerOptions = {}): Worker {
  const { store, clock, config, log } = deps;
  const owner = newId(`wrk-${hostname().replace(/[^A-Za-z0-9-]/g, '').slice(0, 20)}-${process.pid}`);
  const slots = createSessionSlots(store, clock, owner, config.worker.leaseMs);
  const dns = deps.dns ?? createDnsLookup(dnsOptionsOf(config.dns));
  const clientName = deps.clientName ?? hostname();
  const lanes = new Lanes({
    store,
    clock,
    slots,
    onError: (error) => log.error({ err: error }, 'could not give back a session slot; it frees itself when its lease ends'),
    secrets: deps.secrets,
    clientName,
    defaultMaxSessions: config.worker.defaultMaxConcurrent,
    dns,
    direct: { ...config.direct, shaping: loadShaping(config.dataDir, config.direct.shapingFile) },
    oauth: config.oauth,
  });
  const health = createServerHealth({
    store,
    clock,
    log,
    failuresAllowed: config.worker.unhealthyAfter,
    test: (server) => testConnection(server, deps.secrets, server.ehloName ?? clientName),
  });
  const recorder = new Recorder(store, clock, owner, recordDeliveryBounces(() => feedbackSettings(lanes.settings())));
  // Rendering and signing happen on build threads when there is a spare core.
  const builder = new BuildPool({ trackingKey: deps.secrets.derive('tracking') });
  const campaigns = createCampaignRenderer(store, { secrets: deps.secrets, renderBatch: (batch) => builder.render(batch) });
  const stopping = new AbortController();
  const context: AttemptContext = {
    stopping: stopping.signal,
    clock,
    lanes,
    retry: config.retry,
    rules: deps.rules ?? loadAnswerRules(config.dataDir),
    throttles: createProviderThrottles(clock, config.retry.serverBackoffMs, log),
    health,
    domains: new SendingDomains(store, deps.secrets, dns, builder),
    bounceRules: deps.bounceRules ?? loadBounceRules(config.dataDir),
    verpKey: deps.secrets.derive('verp'),
  };
  const inFlight = new Map<string, RecipientRow>();
  const stats = { claimed: 0, recorded: 0 };
  let wakeLoop: (() => void) | null = null;

  async function loop(): Promise<void> {
    while (!stopping.signal.aborted) {
      // Claim in sizeable batches: one claim (and one commit) per handful of messages would cost
      // more than the sending. While half the in-flight room is still busy, sessions have work.
      const room = config.worker.maxInFlight - inFlight.size;
      if (room < Math.min(config.worker.claimBatch, Math.ceil(config.worker.maxInFlight / 2))) {
        await new Promise<void>((resolve) => (wakeLoop = resolve));
        continue;
      }
      let rows: RecipientRow[];
      let attempts: Attempt[];
      try {
        await lanes.refresh();
        await context.domains.refresh();
        rows = await claimRecipients(store, { owner, limit: Math.min(room, config.worker.claimBatch), now: clock.now(), leaseMs: config.worker.leaseMs });
        // A server (or a domain's key) added just before these messages were queued is used (a cheap check unless one was).
        if (rows.length > 0) await Promise.all([lanes.refresh(), context.domains.refresh()]);
        // A row of ours whose lease ran out while still in flight here is not started twice.
        attempts = await loadAttempts(store, campaigns, rows.filter((r) => !inFlight.has(r.id)), clock.now());
      } catch (error) {
        // Rows claimed before the error stay leased and are taken again when the lease ends.
        log.error({ err: error }, 'could not claim recipients; trying again shortly');
        await pause(config.worker.pollMs);
        continue;
      }
      stats.claimed += rows.length;
      if (rows.length === 0) {
        if (options.exitWhenIdle && inFlight.size === 0 && !(await anyoneSending(store))) break;
        await pause(config.worker.pollMs);
        continue;
      }
      for (const attempt of attempts) start(attempt);
    }
  }

  /** Waits `ms`, or less when an attempt finishes or the worker stops. */
  async function pause(ms: number): Promise<void> {
    const done = new AbortController();
    const onStop = (): void => done.abort();
    stopping.signal.addEventListener('abort', onStop, { once: true });
    try {
      await Promise.race([clock.sleep(ms, done.signal), new Promise<void>((resolve) => (wakeLoop = resolve))]);
    } finally {
      done.abort();
      stopping.signal.removeEventListener('abort', onStop);
    }
  }

  function start(attempt: Attempt): void {
    for (const r of attempt.recipients) inFlight.set(r.id, r);
    deliverAttempt(context, attempt)
      .catch((error: unknown): OutcomeRecord[] => {
        // A bug, not an SMTP answer: leave the rows leased so they are retried after the lease.
        log.error({ err: error, message: attempt.message.id }, 'attempt failed unexpectedly; its recipients will be retried when the lease ends');
        return [];
      })
      .then((records) => {
        logOutcomes(records);
        return recorder.record(records).then((ours) => {
          stats.recorded += records.length;
          noteOutcomes(ours, (id) => (id ? (lanes.servers().find((s) => s.id === id)?.name ?? id) : 'none'), attempt.message.created_at, clock.now());
        });
      })
      .catch((error: unknown) => log.error({ err: error, message: attempt.message.id }, 'could not record outcomes; the lease will expire and the attempt repeat'))
      .finally(() => {
        for (const r of attempt.recipients) inFlight.delete(r.id);
        const wake = wakeLoop;
        wakeLoop = null;
        wake?.();
      });
  }

  /** One line per recipient: message id, recipient domain (not the address), server, outcome, answer. */
  function logOutcomes(records: OutcomeRecord[]): void {
    if (!log.isLevelEnabled('info')) return;
    for (const r of records) {
      const o = r.outcome;
      const answer = o.kind === 'held' || o.kind === 'suppressed' ? null : o.answer;
      log.info(
        {
          message: r.messageId,
          domain: domainOf(r.address),
          // The whole address only when debugging: a log is not a list of who gets mail.
          recipient: log.isLevelEnabled('debug') ? r.address : undefined,
          server: r.serverId ? lanes.servers().find((s) => s.id === r.serverId)?.name : null,
          outcome: o.kind,
          code: answer?.code,
          enhanced: answer?.enhanced,
          response: answer?.text,
          reason: 'reason' in o ? o.reason : undefined,
        },
        o.kind,
      );
    }
  }

  const renewEvery = Math.max(1000, Math.floor(config.worker.leaseMs / 3));
  const renewTimer = setInterval(() => {
    slots.renew().catch((error: unknown) => log.error({ err: error }, 'could not renew session slots'));
    if (inFlight.size === 0) return;
    renewLeases(store, owner, [...inFlight.keys()], clock.now() + config.worker.leaseMs).catch((error: unknown) =>
      log.error({ err: error }, 'could not renew leases'),
    );
  }, renewEvery);
  renewTimer.unref();

  // Failover's way back: an unhealthy server's connection is tested now and then.
  let checking = false;
  const healthTimer = setInterval(() => {
    if (checking) return;
    checking = true;
    health
      .checkUnhealthy(lanes.servers())
      .catch((error: unknown) => log.error({ err: error }, 'could not test unhealthy servers'))
      .finally(() => (checking = false));
  }, config.worker.healthCheckMs);
  healthTimer.unref();

  let looping = true;
  const done = (async () => {
    try {
      await loop();
    } finally {
      looping = false;
      while (inFlight.size > 0) await new Promise<void>((resolve) => (wakeLoop = resolve));
      clearInterval(renewTimer);
      clearInterval(healthTimer);
      await recorder.flush();
      await lanes.close();
      await builder.close();
      await slots.giveAll().catch((error: unknown) => log.error({ err: error }, 'could not give back session slots'));
    }
  })();

  return {
    owner,
    done,
    async stop(stopOptions = {}) {
      stopping.abort();
      const wake = wakeLoop;
      wakeLoop = null;
      wake?.();
      if (stopOptions.graceMs === undefined) {
        await done;
        return { stillSending: 0 };
      }
      let timer: NodeJS.Timeout | undefined;
      const graceEnds = new Promise<'grace'>((resolve) => (timer = setTimeout(() => resolve('grace'), stopOptions.graceMs)));
      const first = await Promise.race([done.then(() => 'done' as const), graceEnds]);
      clearTimeout(timer);
      if (first === 'done') return { stillSending: 0 };
      log.warn({ stillSending: inFlight.size, graceMs: stopOptions.graceMs }, 'stopped before every transaction finished: their leases lapse and they are retried then');
      return { stillSending: inFlight.size };
    },
    stats: () => ({ ...stats, inFlight: inFlight.size }),
    sessionsInUse: () => Object.fromEntries(lanes.all().map((lane) => [lane.server.name, lane.transport.sessionsInUse()])),
    running: () => looping && !stopping.signal.aborted,
  };
}

/**
 * Reads the claimed rows' messages and content (rendering campaign messages), groups recipients
 * by message, and notes which addresses are suppressed (one query for the batch).
 */
async function loadAttempts(store: Store, campaigns: CampaignRenderer, rows: RecipientRow[], now: number): Promise<Attempt[]> {
  const ids = [...new Set(rows.map((r) => r.message_id))];
  if (ids.length === 0) return [];
  const messages = await store.db.selectFrom('messages').selectAll().where('id', 'in', ids).execute();
  const suppressed = await suppressedRecipients(store, rows, messages, now);
  const stored = messages.filter((m) => m.campaign_id === null).map((m) => m.id);
  const contents = stored.length ? await store.db.selectFrom('message_contents').selectAll().where('message_id', 'in', stored).execute() : [];
  const raw = new Map(contents.map((c) => [c.message_id, c.raw]));
  for (const [id, built] of await campaigns.render(messages.filter((m) => m.campaign_id !== null))) raw.set(id, built);
  const byMessage = new Map(messages.map((m) => [m.id, { message: m, raw: raw.get(m.id) ?? Buffer.alloc(0), recipients: [] as RecipientRow[], suppressed }]));
  for (const row of rows) byMessage.get(row.message_id)?.recipients.push(row);
  return [...byMessage.values()].filter((a) => a.recipients.length > 0);
}

/** Why each suppressed recipient of the batch must not be sent to: a global entry, or one for a list its campaign sends to. */
async function suppressedRecipients(store: Store, rows: RecipientRow[], messages: MessageRow[], now: number): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const found = await findSuppressions(store.db, rows.map((r) => r.address), now);
  if (found.size === 0) return out;
  const campaignIds = [...new Set(messages.map((m) => m.campaign_id).filter((id): id is string => id !== null))];
  const lists = new Map<string, string[]>();
  if ([...found.values()].some((entries) => entries.some((e) => e.scope !== '')) && campaignIds.length > 0) {
    const rowsOf = await store.db.selectFrom('campaigns').select(['id', 'list_ids']).where('id', 'in', campaignIds).execute();
    for (const c of rowsOf) lists.set(c.id, JSON.parse(c.list_ids) as string[]);
  }
  const campaignOf = new Map(messages.map((m) => [m.id, m.campaign_id]));
  for (const r of rows) {
    const campaign = campaignOf.get(r.message_id);
    const entry = suppressionFor(found.get(r.address.toLowerCase()), (campaign && lists.get(campaign)) || []);
    if (entry) out.set(r.id, describeSuppression(entry));
  }
  return out;
}

/** True while any worker (perhaps a dead one whose lease has not ended yet) holds recipients. */
async function anyoneSending(store: Store): Promise<boolean> {
  const row = await store.db.selectFrom('recipients').select('id').where('status', '=', 'sending').limit(1).executeTakeFirst();
  return row !== undefined;
}
