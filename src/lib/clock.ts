/** Time as the engine sees it; passed in so tests can run hours of retries in seconds. */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

function sleepReal(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, Math.max(0, ms));
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

export const systemClock: Clock = { now: () => Date.now(), sleep: sleepReal };

/** A clock that runs `factor` times faster than real time, starting from now. */
export function scaledClock(factor: number): Clock {
  const start = Date.now();
  return {
    now: () => start + Math.round((Date.now() - start) * factor),
    sleep: (ms, signal) => sleepReal(ms / factor, signal),
  };
}
