/**
 * What the worker does when a provider asks it to slow down or pause (rules/smtp-answers.txt):
 * the server that answered is throttled — for direct delivery, the destination that answered
 * (one domain's mail servers), so Gmail's "slow down" does not hold up mail to everyone else.
 * The state is saved where every worker sharing the database reads it.
 */
import type { Logger } from 'pino';
import type { Clock } from '../lib/clock.js';
import { serverBackoff } from '../spool/index.js';
import type { ThrottleAnswer, ThrottleScope } from '../throttle/index.js';
import type { Lane } from './lanes.js';

export interface ProviderThrottles {
  /** Throttles the lane's server or destination; returns until when the message waits. */
  answered(lane: Lane, destination: string | undefined, answer: ThrottleAnswer): Promise<number>;
  /** A delivery went through: pauses start from the shortest again. */
  delivered(lane: Lane, destination: string | undefined): Promise<void>;
}

export function createProviderThrottles(clock: Clock, basePauseMs: number, log: Logger): ProviderThrottles {
  const scopeOf = (lane: Lane, destination: string | undefined): ThrottleScope =>
    (destination !== undefined ? lane.transport.destinationThrottle?.(destination) : undefined) ?? lane.throttle;

  return {
    async answered(lane, destination, answer) {
      const scope = scopeOf(lane, destination);
      const before = scope.current();
      const until = await scope.answer(clock.now(), answer, (count) => serverBackoff(count, basePauseMs));
      if (scope === lane.throttle) lane.gate.resize(scope.sessions(lane.maxSessions));
      const after = scope.current();
      if (after.level !== before.level) {
        log.warn({ scope: scope.label, level: after.level, rate: after.rate, until: iso(after.levelUntil), reason: answer.reason }, `${scope.label} slowed down`);
      } else if (after.pausedUntil !== before.pausedUntil) {
        log.warn({ scope: scope.label, until: iso(after.pausedUntil), reason: answer.reason }, `${scope.label} paused`);
      }
      return until;
    },
    async delivered(lane, destination) {
      await scopeOf(lane, destination).delivered();
    },
  };
}

const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString());
