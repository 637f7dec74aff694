/**
 * A server that answers 421 or a rate-limit text rests: no worker sends through it until
 * `paused_until`, and each rest in a row lasts twice as long as the one before (capped). The
 * rest is written to the servers row, so every worker sharing the database honours it.
 */
import type { Store } from '../store/index.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from 'pino';
import { serverBackoff } from '../spool/index.js';
import type { Lane } from './lanes.js';
import type { ServerRest } from './judge-result.js';

export function createServerRest(store: Store, clock: Clock, baseMs: number, log: Logger): ServerRest {
  return {
    async rest(lane, reason) {
      const now = clock.now();
      const server = lane.server;
      // Several sessions may hear the same 421 at once: the first one sets the rest, the others join it.
      if (server.pausedUntil && server.pausedUntil > now) return server.pausedUntil;
      const until = now + serverBackoff(server.pauseCount, baseMs);
      await store.db
        .updateTable('servers')
        .set({ paused_until: until, pause_reason: reason, pause_count: server.pauseCount + 1 })
        .where('id', '=', server.id)
        .execute();
      server.pausedUntil = until;
      server.pauseReason = reason;
      server.pauseCount += 1;
      log.warn({ server: server.name, until: new Date(until).toISOString(), reason }, 'server resting after a rate-limit answer');
      return until;
    },
    async recovered(lane: Lane) {
      const server = lane.server;
      if (server.pauseCount === 0) return;
      server.pauseCount = 0;
      server.pausedUntil = null;
      server.pauseReason = null;
      await store.db.updateTable('servers').set({ pause_count: 0, paused_until: null, pause_reason: null }).where('id', '=', server.id).execute();
      log.info({ server: server.name }, 'server accepting mail again');
    },
  };
}
