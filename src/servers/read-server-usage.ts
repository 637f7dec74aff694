/**
 * How much of its quotas a server has used in the current windows (minute, hour, day, aligned to
 * the clock as ClusterQuota counts them), and — for direct delivery — which destinations are
 * paused or slowed down. "Used" is what workers have reserved: it runs ahead of what was sent by
 * at most one small block per worker (a twentieth of the quota, at most 50).
 */
import type { Store } from '../store/index.js';
import { quotaLimits } from '../throttle/quota.js';
import { settle, type ThrottleState } from '../throttle/throttle-state.js';
import { readDestinationThrottles } from '../throttle/throttle-rows.js';
import type { OutgoingServer } from './server-record.js';

export interface QuotaUsage {
  window: 'minute' | 'hour' | 'day';
  limit: number;
  used: number;
  /** When the window ends and the count starts again. */
  resetsAt: number;
}

export interface DestinationUsage {
  destination: string;
  state: 'paused' | 'slowed';
  until: number;
  reason: string;
  /** While slowed down: the most messages per minute. */
  rate: number | null;
  level: number;
}

export async function readQuotaUsage(store: Store, server: OutgoingServer, now: number): Promise<QuotaUsage[]> {
  const limits = quotaLimits(server);
  if (limits.length === 0) return [];
  const windows = limits.map((l) => ({ ...l, key: `${server.id}:${l.name}`, start: Math.floor(now / l.windowMs) * l.windowMs }));
  const rows = await store.db
    .selectFrom('rate_windows')
    .select(['key', 'window_start', 'used'])
    .where('key', 'in', windows.map((w) => w.key))
    .execute();
  return windows.map((w) => ({
    window: w.name as QuotaUsage['window'],
    limit: w.limit,
    used: Math.min(w.limit, rows.find((r) => r.key === w.key && Number(r.window_start) === w.start)?.used ?? 0),
    resetsAt: w.start + w.windowMs,
  }));
}

/** Destinations of a direct server that are paused or slowed down now, soonest back first. */
export async function readDestinationUsage(store: Store, server: OutgoingServer, now: number): Promise<DestinationUsage[]> {
  if (server.kind !== 'direct') return [];
  const states = await readDestinationThrottles(store, server.id);
  const list: DestinationUsage[] = [];
  for (const [destination, stored] of states) {
    const state: ThrottleState = settle(stored, now);
    if (state.pausedUntil !== null && state.pausedUntil > now) {
      list.push({ destination, state: 'paused', until: state.pausedUntil, reason: state.pauseReason ?? '', rate: null, level: state.level });
    } else if (state.level > 0 && state.levelUntil !== null) {
      list.push({ destination, state: 'slowed', until: state.levelUntil, reason: state.reason ?? '', rate: state.rate, level: state.level });
    }
  }
  return list.sort((a, b) => a.until - b.until);
}
