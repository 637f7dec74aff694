import type { Clock } from '../../src/lib/clock.js';

/** A clock that stands still until the test moves it; sleeps last a few real milliseconds at most. */
export interface ManualClock extends Clock {
  advance(ms: number): void;
}

export function manualClock(start = Date.UTC(2026, 0, 5, 9, 0, 0)): ManualClock {
  let now = start;
  return {
    now: () => now,
    advance(ms) {
      now += ms;
    },
    sleep: (ms, signal) =>
      new Promise((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, Math.min(ms, 10));
        signal?.addEventListener('abort', done, { once: true });
      }),
  };
}
