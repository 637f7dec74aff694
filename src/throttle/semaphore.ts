/** At most `size` holders at a time; the rest wait in arrival order. The size may change (a slow-down halves it). */
export class Semaphore {
  private held = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private size: number) {}

  async acquire(): Promise<() => void> {
    if (this.held >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.held += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // Over the size after a shrink: the slot is gone, not passed on.
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
