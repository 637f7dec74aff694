/**
 * Adaptive throttling of one server, or of one destination of direct delivery, as a small state
 * machine driven by the providers' answers (rules/smtp-answers.txt):
 *
 *   full speed   level 0, no pause
 *   slowed       level L > 0: concurrency halved L times, and at most `rate` messages a minute
 *                (half of what was being sent, halved again per level); at `levelUntil` the level
 *                steps down by one and the rate doubles — a gradual return, one step per period
 *   paused       nothing is sent before `pausedUntil`; `pauseCount` counts pauses in a row (a pause
 *                without a duration grows with it), and a delivery resets it
 *
 * A slow-down answer while slowed goes one level further; levels stop at MAX_LEVEL.
 */
export interface ThrottleState {
  pausedUntil: number | null;
  pauseReason: string | null;
  pauseCount: number;
  level: number;
  levelUntil: number | null;
  rate: number | null;
  /** How long each level lasts. */
  periodMs: number | null;
  reason: string | null;
}

export const MAX_LEVEL = 6;
export const DEFAULT_SLOW_DOWN_MS = 10 * 60_000;

export const FULL_SPEED: ThrottleState = { pausedUntil: null, pauseReason: null, pauseCount: 0, level: 0, levelUntil: null, rate: null, periodMs: null, reason: null };

export interface ThrottleInput {
  now: number;
  reason: string;
  /** From the matching rule; null: the default for its class. */
  durationMs: number | null;
}

/** A pause of `durationMs` (the caller picks the rule's, or a growing one from `pauseCount`). */
export function pauseFor(state: ThrottleState, input: ThrottleInput & { durationMs: number }): ThrottleState {
  // Several sessions may hear the same answer at once: the first sets the pause, the others join it.
  if (state.pausedUntil !== null && state.pausedUntil > input.now) return state;
  return { ...state, pausedUntil: input.now + input.durationMs, pauseReason: input.reason, pauseCount: state.pauseCount + 1 };
}

/**
 * One level slower. `sentLastMinute` is what was being sent (the rate starts at half of it), and
 * `limit` the configured per-minute limit, if any; a level reached less than `graceMs` ago is
 * not stepped again, since the sessions already open heard the same answer.
 */
export function slowDown(state: ThrottleState, input: ThrottleInput & { sentLastMinute: number; limit: number | null; graceMs?: number }): ThrottleState {
  const period = input.durationMs ?? DEFAULT_SLOW_DOWN_MS;
  const steppedAt = state.levelUntil === null ? null : state.levelUntil - (state.periodMs ?? period);
  if (steppedAt !== null && input.now - steppedAt < (input.graceMs ?? 5_000)) return state;
  if (state.level >= MAX_LEVEL) return { ...state, levelUntil: input.now + period, periodMs: period, reason: input.reason };
  const current = state.rate ?? Math.min(input.limit ?? Infinity, Math.max(1, input.sentLastMinute));
  return {
    ...state,
    level: state.level + 1,
    levelUntil: input.now + period,
    rate: Math.max(1, Math.floor(current / 2)),
    periodMs: period,
    reason: input.reason,
  };
}

/** Steps the level down once per period that passed without a new slow-down; ends a pause that is over. */
export function settle(state: ThrottleState, now: number): ThrottleState {
  let next = state;
  const periodMs = state.periodMs ?? DEFAULT_SLOW_DOWN_MS;
  if (next.pausedUntil !== null && next.pausedUntil <= now) next = { ...next, pausedUntil: null, pauseReason: null };
  while (next.level > 0 && next.levelUntil !== null && next.levelUntil <= now) {
    const level = next.level - 1;
    next =
      level === 0
        ? { ...next, level: 0, levelUntil: null, rate: null, periodMs: null, reason: null }
        : { ...next, level, levelUntil: next.levelUntil + periodMs, rate: next.rate === null ? null : next.rate * 2 };
  }
  return next;
}

/** A delivery went through: the next pause starts from the base again. */
export function delivered(state: ThrottleState): ThrottleState {
  return state.pauseCount === 0 ? state : { ...state, pauseCount: 0 };
}

/** Sessions allowed at this level: halved per level, never below one. */
export function allowedSessions(max: number, level: number): number {
  return Math.max(1, Math.floor(max / 2 ** level));
}

export function sameState(a: ThrottleState, b: ThrottleState): boolean {
  return (
    a.pausedUntil === b.pausedUntil &&
    a.pauseReason === b.pauseReason &&
    a.pauseCount === b.pauseCount &&
    a.level === b.level &&
    a.levelUntil === b.levelUntil &&
    a.rate === b.rate &&
    a.periodMs === b.periodMs &&
    a.reason === b.reason
  );
}
