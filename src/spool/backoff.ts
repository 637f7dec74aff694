import type { RetryConfig } from '../config/index.js';

/**
 * Delay before the next try after `attempts` failed ones: first ~1 minute, doubling each time up
 * to the ceiling, with ±10% jitter so retries of a whole campaign do not arrive in one wave.
 */
export function retryDelay(attempts: number, retry: Pick<RetryConfig, 'firstDelayMs' | 'maxDelayMs'>, random = Math.random): number {
  const exponent = Math.min(Math.max(attempts - 1, 0), 30);
  const base = Math.min(retry.firstDelayMs * 2 ** exponent, retry.maxDelayMs);
  return Math.round(base * (0.9 + random() * 0.2));
}

/** How long a server rests after its `pauseCount`-th rate-limit answer in a row. */
export function serverBackoff(pauseCount: number, baseMs: number, maxMs = 3600_000): number {
  return Math.min(baseMs * 2 ** Math.min(pauseCount, 20), maxMs);
}
