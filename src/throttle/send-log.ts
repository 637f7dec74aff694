/** Send times of the last minute, to know what was being sent when a provider asks to slow down. */
export class SendLog {
  private readonly times: number[] = [];

  record(now: number, count = 1): void {
    for (let i = 0; i < count; i++) this.times.push(now);
    this.prune(now);
  }

  lastMinute(now: number): number {
    this.prune(now);
    return this.times.length;
  }

  private prune(now: number): void {
    let drop = 0;
    while (drop < this.times.length && this.times[drop]! <= now - 60_000) drop += 1;
    if (drop > 0) this.times.splice(0, drop);
  }
}
