/**
 * The destinations of one direct server, each with its runtime state: the shaping limits, its
 * throttle (pause and slow-down, saved in `destination_throttles` so every worker honours it),
 * its per-minute ledger, and the sessions open to its MX hosts. Sessions to one destination
 * count together against its `connections` limit — halved per slow-down level — across all its
 * MX hosts, and across the cluster through the session slots.
 */
import type { Store } from '../../store/index.js';
import type { Clock } from '../../lib/clock.js';
import { ClusterQuota, FULL_SPEED, ThrottleScope, readDestinationThrottles, saveDestinationThrottle, type SessionSlots } from '../../throttle/index.js';
import type { ServerSecrets } from '../../servers/server-record.js';
import { createSmtpTransport, type TakePermit } from '../smtp.js';
import type { SessionTarget } from '../smtp-session.js';
import type { Transport } from '../transport.js';
import type { Destination } from './shaping.js';

export interface DestinationState {
  destination: Destination;
  throttle: ThrottleScope;
  /** The destination's per-minute limit, held across the cluster. */
  ledger: ClusterQuota | null;
  /** Sessions open or opening to this destination's hosts, in this process. */
  open: number;
  hosts: Map<string, { transport: Transport; usedAt: number }>;
}

export interface DestinationPoolDeps {
  store: Store;
  clock: Clock;
  serverId: string;
  serverName: string;
  clientName: string;
  slots?: SessionSlots;
  onError?: (error: unknown) => void;
}

const NO_SECRETS: ServerSecrets = {};

export class DestinationPool {
  private readonly states = new Map<string, DestinationState>();
  private saved = new Map<string, ReturnType<ThrottleScope['current']>>();
  private refreshedAt = -Infinity;

  constructor(private readonly deps: DestinationPoolDeps) {}

  get(name: string): DestinationState | undefined {
    return this.states.get(name);
  }

  all(): DestinationState[] {
    return [...this.states.values()];
  }

  /** The destination's state, made on first use; throttles another worker set are read at most once a second. */
  async state(destination: Destination): Promise<DestinationState> {
    const now = this.deps.clock.now();
    if (now - this.refreshedAt >= 1000) {
      this.refreshedAt = now;
      this.saved = await readDestinationThrottles(this.deps.store, this.deps.serverId);
      for (const [name, state] of this.states) state.throttle.adopt(this.saved.get(name) ?? FULL_SPEED);
    }
    let state = this.states.get(destination.name);
    if (!state) {
      const name = destination.name;
      state = {
        destination,
        throttle: new ThrottleScope(
          `destination ${name} of server "${this.deps.serverName}"`,
          this.saved.get(name) ?? FULL_SPEED,
          (s) => saveDestinationThrottle(this.deps.store, this.deps.serverId, name, s, this.deps.clock.now()),
          destination.perMinute,
          (rate) => new ClusterQuota(this.deps.store, `${this.deps.serverId}/${name}/slowed`, [{ name: 'minute', limit: rate, windowMs: 60_000 }]),
        ),
        ledger: destination.perMinute ? new ClusterQuota(this.deps.store, `${this.deps.serverId}/${name}`, [{ name: 'minute', limit: destination.perMinute, windowMs: 60_000 }]) : null,
        open: 0,
        hosts: new Map(),
      };
      this.states.set(name, state);
    }
    return state;
  }

  /** The session pool to one MX host address (with one TLS mode and source address) of a destination. */
  hostTransport(state: DestinationState, key: string, target: SessionTarget): Transport {
    const now = this.deps.clock.now();
    const known = state.hosts.get(key);
    if (known) {
      known.usedAt = now;
      return known.transport;
    }
    const transport = createSmtpTransport(target, NO_SECRETS, {
      clientName: this.deps.clientName,
      maxSessions: state.destination.connections,
      maxMessagesPerSession: state.destination.perSession,
      takePermit: this.permits(state),
      connectionTimeoutMs: 30_000,
    });
    state.hosts.set(key, { transport, usedAt: now });
    return transport;
  }

  /** Closes host pools unused for `idleMs` (their sessions have closed by then). */
  async prune(idleMs = 10 * 60_000): Promise<void> {
    const before = this.deps.clock.now() - idleMs;
    const closing: Array<Promise<void>> = [];
    for (const state of this.states.values()) {
      for (const [key, host] of state.hosts) {
        if (host.usedAt < before && host.transport.sessionsInUse() === 0) {
          state.hosts.delete(key);
          closing.push(host.transport.close());
        }
      }
    }
    await Promise.all(closing);
  }

  async close(): Promise<void> {
    await Promise.all(this.all().flatMap((s) => [...s.hosts.values()].map((h) => h.transport.close())));
  }

  sessionsInUse(): number {
    return this.all().reduce((n, s) => n + [...s.hosts.values()].reduce((m, h) => m + h.transport.sessionsInUse(), 0), 0);
  }

  /** One more session to the destination, if its (slowed-down) limit allows, here and cluster-wide. */
  private permits(state: DestinationState): TakePermit {
    return async () => {
      if (state.open >= state.throttle.sessions(state.destination.connections)) return null;
      state.open += 1;
      let giveSlot: () => void = () => undefined;
      if (this.deps.slots) {
        const key = `${this.deps.serverId}/${state.destination.name}`;
        let slot: number | null;
        try {
          slot = await this.deps.slots.take(key, state.destination.connections);
        } catch (error) {
          state.open -= 1;
          throw error;
        }
        if (slot === null) {
          state.open -= 1;
          return null;
        }
        giveSlot = () => void this.deps.slots!.give(key, slot).catch(this.deps.onError ?? (() => undefined));
      }
      return () => {
        state.open -= 1;
        giveSlot();
      };
    };
  }
}
