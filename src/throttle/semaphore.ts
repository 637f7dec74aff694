/** At most `size` holders at a time; the rest wait in arrival order. The size may change (a slow-down halves it). */
export class Semaphore {
  private held = 0;
  private readonly waiting: Array<() => void> = [];
  /** Waiters that give up on a signal, each with how to tell it so; one listener per signal, not one per waiter. */
  private readonly cancellable = new Map<() => void, { signal: AbortSignal; cancel: () => void }>();
  private readonly watched = new WeakSet<AbortSignal>();

  constructor(private size: number) {}

  async acquire(): Promise<() => void> {
    if (this.held >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.held += 1;
    return this.releaser();
  }

  /**
   * As `acquire`, but gives up when `signal` aborts while waiting: null then, and no slot is
   * taken (a stopping worker gives its waiting mail back instead of sending it).
   */
  async acquireUnless(signal: AbortSignal): Promise<(() => void) | null> {
    if (signal.aborted) return null;
    if (this.held < this.size) return this.acquire();
    if (!this.watched.has(signal)) {
      this.watched.add(signal);
      signal.addEventListener('abort', () => [...this.cancellable.values()].filter((w) => w.signal === signal).forEach((w) => w.cancel()), { once: true });
    }
    let passed!: () => void;
    const turn = new Promise<boolean>((resolve) => {
      passed = () => resolve(true);
      this.cancellable.set(passed, { signal, cancel: () => resolve(false) });
    });
    this.waiting.push(passed);
    const ours = await turn;
    this.cancellable.delete(passed);
    if (!ours) {
      const at = this.waiting.indexOf(passed);
      if (at >= 0) {
        this.waiting.splice(at, 1);
        return null;
      }
      // The slot was passed on just as the signal came: it is ours, and the caller, seeing the signal, releases it.
    }
    return this.releaser();
  }

  /** Gives the slot back once: straight to the next waiter, or gone when over the size after a shrink. */
  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.held <= this.size ? this.waiting.shift() : undefined;
      if (next) next(); // the slot passes straight to the next waiter
      else this.held -= 1;
    };
  }

  /** A smaller size takes effect as holders leave; a larger one lets waiters in at once. */
  resize(size: number): void {
    this.size = size;
    while (this.held < this.size && this.waiting.length > 0) {
      this.held += 1;
      this.waiting.shift()!();
    }
  }

  limit(): number {
    return this.size;
  }

  inUse(): number {
    return this.held;
  }

  waiters(): number {
    return this.waiting.length;
  }
}
