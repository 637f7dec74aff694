/**
 * A lane is one server's runtime state in a worker: its transport (and sessions), the gate that
 * lets no more than N attempts at it at a time (fewer while a provider has it slowed down), its
 * quota ledger and its throttle. Lanes follow the servers table: a changed server gets a fresh
 * lane, and the old one closes once its attempts finish.
 */
import { serverFromRow, type OutgoingServer } from '../servers/server-record.js';
import { emptySettings, getSettings, type Settings } from '../servers/settings.js';
import { createTransport, type Transport, type TransportDeps } from '../transports/index.js';
import { ClusterQuota, quotaLimits, Semaphore, ThrottleScope, saveServerThrottle, serverThrottle } from '../throttle/index.js';

export interface Lane {
  server: OutgoingServer;
  transport: Transport;
  gate: Semaphore;
  /** The server's quotas, held across the cluster. */
  quota: ClusterQuota | null;
  /** Pauses and slow-downs of this server (not used for direct delivery's destinations). */
  throttle: ThrottleScope;
  maxSessions: number;
}

/** Attempts at once through a direct server that sets no limit. */
const DIRECT_MAX_SESSIONS = 100;

/** What a lane needs to open its transport. */
export type LanesDeps = TransportDeps;

export class Lanes {
  private readonly lanes = new Map<string, Lane>();
  private readonly retiring = new Set<Promise<void>>();
  private list: OutgoingServer[] = [];
  private current: Settings = emptySettings();
  private loadedAt = -Infinity;
  private fingerprint = '';

  constructor(private readonly deps: LanesDeps) {}

  servers(): readonly OutgoingServer[] {
    return this.list;
  }

  settings(): Settings {
    return this.current;
  }

  lane(serverId: string): Lane {
    const lane = this.lanes.get(serverId);
    if (!lane) throw new Error(`no lane for server ${serverId}`);
    return lane;
  }

  all(): Lane[] {
    return [...this.lanes.values()];
  }

  /**
   * Re-reads servers and settings when the last read is older than `maxAgeMs`, or at once when a
   * server was added, changed or removed since (one small query tells): a message sent right
   * after its server was added must not be routed without it.
   */
  async refresh(maxAgeMs = 1000): Promise<void> {
    const now = Date.now();
    const print = await this.deps.store.db
      .selectFrom('servers')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.max('updated_at').as('changed')])
      .executeTakeFirstOrThrow();
    const fingerprint = `${Number(print.n)}:${Number(print.changed ?? 0)}`;
    if (fingerprint === this.fingerprint && now - this.loadedAt < maxAgeMs) return;
    this.fingerprint = fingerprint;
    this.loadedAt = now;
    const [rows, settings] = await Promise.all([
      this.deps.store.db.selectFrom('servers').selectAll().execute(),
      getSettings(this.deps.store),
    ]);
    this.current = settings;
    this.list = rows.map(serverFromRow);
    const seen = new Set<string>();
    for (const server of this.list) {
      seen.add(server.id);
      const lane = this.lanes.get(server.id);
      if (lane && lane.server.updatedAt === server.updatedAt) {
        // Throttles and health are set by any worker; take the newest without rebuilding the lane.
        lane.server = server;
        lane.throttle.adopt(serverThrottle(server));
        lane.gate.resize(lane.throttle.sessions(lane.maxSessions));
        continue;
      }
      if (lane) this.retire(lane);
      this.lanes.set(server.id, this.open(server));
    }
    for (const [id, lane] of this.lanes) {
      if (!seen.has(id)) {
        this.lanes.delete(id);
        this.retire(lane);
      }
    }
  }

  async close(): Promise<void> {
    for (const lane of this.lanes.values()) this.retire(lane);
    this.lanes.clear();
    await Promise.all([...this.retiring]);
  }

  private open(server: OutgoingServer): Lane {
    // Direct delivery's limits are per destination (rules/shaping.txt); the server's own bounds all of them.
    const maxSessions = server.maxConcurrent ?? (server.kind === 'direct' ? DIRECT_MAX_SESSIONS : this.deps.defaultMaxSessions);
    const limits = quotaLimits(server);
    const quota = limits.length > 0 ? new ClusterQuota(this.deps.store, server.id, limits) : null;
    const throttle = new ThrottleScope(
      `server "${server.name}"`,
      serverThrottle(server),
      (state) => saveServerThrottle(this.deps.store, server.id, state),
      server.perMinute,
      // While slowed down, the lower rate holds for every worker together.
      (rate) => new ClusterQuota(this.deps.store, `${server.id}/slowed`, [{ name: 'minute', limit: rate, windowMs: 60_000 }]),
    );
    const lane: Lane = { server, transport: createTransport(server, this.deps), gate: new Semaphore(throttle.sessions(maxSessions)), quota, throttle, maxSessions };
    return lane;
  }

  /** Closes a lane's sessions once every attempt holding its gate has finished. */
  private retire(lane: Lane): void {
    const done = (async () => {
      const releases = [];
      // A slowed-down lane's gate is smaller than its sessions; every holder must be waited for.
      lane.gate.resize(lane.maxSessions);
      for (let i = 0; i < lane.maxSessions; i++) releases.push(await lane.gate.acquire());
      await lane.transport.close();
      for (const release of releases) release();
    })();
    this.retiring.add(done);
    void done.finally(() => this.retiring.delete(done));
  }
}
