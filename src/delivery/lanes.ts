/**
 * A lane is one server's runtime state in a worker: its transport (and sessions), the gate that
 * lets no more than N attempts at it at a time, and its quota ledger. Lanes follow the servers
 * table: a changed server gets a fresh lane, and the old one closes once its attempts finish.
 */
import { serverFromRow, type OutgoingServer } from '../servers/server-record.js';
import { emptySettings, getSettings, type Settings } from '../servers/settings.js';
import { createTransport, type Transport, type TransportDeps } from '../transports/index.js';
import { QuotaLedger, quotaLimits, Semaphore } from '../throttle/index.js';

export interface Lane {
  server: OutgoingServer;
  transport: Transport;
  gate: Semaphore;
  quota: QuotaLedger | null;
  maxSessions: number;
}

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
        // Pauses are set by any worker; take the newest without rebuilding the lane.
        lane.server.pausedUntil = server.pausedUntil;
        lane.server.pauseReason = server.pauseReason;
        lane.server.pauseCount = server.pauseCount;
        continue;
      }
      if (lane) this.retire(lane);
      this.lanes.set(server.id, await this.open(server));
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

  private async open(server: OutgoingServer): Promise<Lane> {
    const maxSessions = server.maxConcurrent ?? this.deps.defaultMaxSessions;
    const limits = quotaLimits(server);
    let quota: QuotaLedger | null = null;
    if (limits.length > 0) {
      quota = new QuotaLedger(limits);
      const since = this.deps.clock.now() - Math.max(...limits.map((l) => l.windowMs));
      const sent = await this.deps.store.db
        .selectFrom('events')
        .select('created_at')
        .where('server_id', '=', server.id)
        .where('type', '=', 'sent')
        .where('created_at', '>', since)
        .orderBy('created_at')
        .execute();
      quota.seed(sent.map((e) => e.created_at));
    }
    return { server, transport: createTransport(server, this.deps), gate: new Semaphore(maxSessions), quota, maxSessions };
  }

  /** Closes a lane's sessions once every attempt holding its gate has finished. */
  private retire(lane: Lane): void {
    const done = (async () => {
      const releases = [];
      for (let i = 0; i < lane.maxSessions; i++) releases.push(await lane.gate.acquire());
      await lane.transport.close();
      for (const release of releases) release();
    })();
    this.retiring.add(done);
    void done.finally(() => this.retiring.delete(done));
  }
}
