/**
 * Quotas kept in one process ("no more than 12 a minute" while a provider has us slowed down)
 * as a sliding log of send times: a send is allowed while fewer than `limit` sends fall in the
 * last window, so the limit holds over every span of that length, not just per clock minute.
 * A server's configured quotas are held cluster-wide by ClusterQuota.
 */
export interface QuotaLimit {
  name: 'minute' | 'hour' | 'day';
  limit: number;
  windowMs: number;
}

export type QuotaDecision = { ok: true } | { ok: false; until: number; reason: string };

export class QuotaLedger {
  private readonly times: number[] = [];
  private head = 0;
  private readonly longest: number;

  constructor(private readonly limits: QuotaLimit[]) {
    this.longest = Math.max(0, ...limits.map((l) => l.windowMs));
  }

  /**
   * Takes `count` sends (one per recipient) if every quota allows them now; otherwise says when
   * enough slots free. A message with more recipients than a quota goes alone into an empty window.
   */
  take(now: number, count = 1): QuotaDecision {
    this.prune(now);
    let until = 0;
    let reason = '';
    for (const { name, limit, windowMs } of this.limits) {
      const inWindow = this.count(now - windowMs);
      const need = Math.min(count, limit);
      if (inWindow + need > limit) {
        const frees = this.times[this.times.length - (limit - need + 1)]! + windowMs;
        if (frees > until) {
          until = frees;
          reason = `quota of ${limit} per ${name} reached`;
        }
      }
    }
    if (until > 0) return { ok: false, until, reason };
    for (let i = 0; i < count; i++) this.times.push(now);
    return { ok: true };
  }

  private count(after: number): number {
    let lo = this.head;
    let hi = this.times.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.times[mid]! > after) hi = mid;
      else lo = mid + 1;
    }
    return this.times.length - lo;
  }

  private prune(now: number): void {
    while (this.head < this.times.length && this.times[this.head]! <= now - this.longest) this.head += 1;
    if (this.head > 4096 && this.head > this.times.length / 2) {
      this.times.splice(0, this.head);
      this.head = 0;
    }
  }
}

export function quotaLimits(server: { perMinute: number | null; perHour: number | null; perDay: number | null }): QuotaLimit[] {
  const limits: QuotaLimit[] = [];
  if (server.perMinute) limits.push({ name: 'minute', limit: server.perMinute, windowMs: 60_000 });
  if (server.perHour) limits.push({ name: 'hour', limit: server.perHour, windowMs: 3_600_000 });
  if (server.perDay) limits.push({ name: 'day', limit: server.perDay, windowMs: 86_400_000 });
  return limits;
}
