/**
 * Throttle states in the database, so every worker honours them: a server's on its `servers`
 * row (without touching `updated_at`, which would rebuild every worker's sessions), a direct
 * server's destinations in `destination_throttles`.
 */
import type { Store } from '../store/index.js';
import type { ThrottleState } from './throttle-state.js';

export function serverThrottle(server: {
  pausedUntil: number | null;
  pauseReason: string | null;
  pauseCount: number;
  throttleLevel: number;
  throttleUntil: number | null;
  throttleRate: number | null;
  throttlePeriod: number | null;
  throttleReason: string | null;
}): ThrottleState {
  return {
    pausedUntil: server.pausedUntil,
    pauseReason: server.pauseReason,
    pauseCount: server.pauseCount,
    level: server.throttleLevel,
    levelUntil: server.throttleUntil,
    rate: server.throttleRate,
    periodMs: server.throttlePeriod,
    reason: server.throttleReason,
  };
}

/** The columns a throttle state is kept in, the same on `servers` and `destination_throttles`. */
function columnsOf(state: ThrottleState) {
  return {
    paused_until: state.pausedUntil,
    pause_reason: state.pauseReason,
    pause_count: state.pauseCount,
    throttle_level: state.level,
    throttle_until: state.levelUntil,
    throttle_rate: state.rate,
    throttle_period: state.periodMs,
    throttle_reason: state.reason,
  };
}

export async function saveServerThrottle(store: Store, serverId: string, state: ThrottleState): Promise<void> {
  await store.db.updateTable('servers').set(columnsOf(state)).where('id', '=', serverId).execute();
}

export async function readDestinationThrottles(store: Store, serverId: string): Promise<Map<string, ThrottleState>> {
  const rows = await store.db.selectFrom('destination_throttles').selectAll().where('server_id', '=', serverId).execute();
  return new Map(
    rows.map((r) => [
      r.destination,
      {
        pausedUntil: r.paused_until,
        pauseReason: r.pause_reason,
        pauseCount: r.pause_count,
        level: r.throttle_level,
        levelUntil: r.throttle_until,
        rate: r.throttle_rate,
        periodMs: r.throttle_period,
        reason: r.throttle_reason,
      },
    ]),
  );
}

export async function saveDestinationThrottle(store: Store, serverId: string, destination: string, state: ThrottleState, now: number): Promise<void> {
  const values = { ...columnsOf(state), updated_at: now };
  if (state.pausedUntil === null && state.level === 0 && state.pauseCount === 0) {
    await store.db.deleteFrom('destination_throttles').where('server_id', '=', serverId).where('destination', '=', destination).execute();
    return;
  }
  await store.db
    .insertInto('destination_throttles')
    .values({ server_id: serverId, destination, ...values })
    .onConflict((oc) => oc.columns(['server_id', 'destination']).doUpdateSet(values))
    .execute();
}
