/**
 * Per-client-IP limits of the relay, kept in memory by the process that serves it:
 *
 * - connections open at once from one IP (more answer 421 at connect);
 * - failed AUTH attempts within a window: past the limit every AUTH from that IP answers 421
 *   and the connection closes, whether or not the next password would be right, until the
 *   window has passed. Unknown usernames and wrong passwords count alike.
 *
 * IPv6 clients are counted per /64, since one host commonly holds a whole /64.
 */
import type { Clock } from '../lib/clock.js';

export interface ClientLimitsOptions {
  maxConnectionsPerIp: number;
  authFailuresPerIp: number;
  authFailureWindowMs: number;
}

export class ClientLimits {
  private readonly open = new Map<string, number>();
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly options: ClientLimitsOptions,
    private readonly clock: Clock,
  ) {}

  /** Counts a new connection; false (and not counted) when the IP already has the most allowed. */
  connect(ip: string): boolean {
    const key = clientKey(ip);
    const count = this.open.get(key) ?? 0;
    if (count >= this.options.maxConnectionsPerIp) return false;
    this.open.set(key, count + 1);
    return true;
  }

  disconnect(ip: string): void {
    const key = clientKey(ip);
    const count = (this.open.get(key) ?? 1) - 1;
    if (count <= 0) this.open.delete(key);
    else this.open.set(key, count);
  }

  /** Whether AUTH is refused for this IP for now; when it is, until when. */
  authBlockedUntil(ip: string): number | null {
    const recent = this.recentFailures(clientKey(ip));
    if (recent.length < this.options.authFailuresPerIp) return null;
    return recent[recent.length - this.options.authFailuresPerIp]! + this.options.authFailureWindowMs;
  }

  authFailed(ip: string): void {
    const key = clientKey(ip);
    const recent = this.recentFailures(key);
    recent.push(this.clock.now());
    // Only the last N matter; a flood of failures cannot grow the list without bound.
    this.failures.set(key, recent.slice(-this.options.authFailuresPerIp));
    if (this.failures.size > 10_000) this.sweep();
  }

  private recentFailures(key: string): number[] {
    const since = this.clock.now() - this.options.authFailureWindowMs;
    return (this.failures.get(key) ?? []).filter((at) => at > since);
  }

  private sweep(): void {
    for (const key of this.failures.keys()) if (this.recentFailures(key).length === 0) this.failures.delete(key);
  }
}

/** The IP itself for IPv4 (and IPv4-mapped IPv6); the /64 prefix for IPv6. */
export function clientKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (!ip.includes(':')) return ip;
  const [head = '', tail = ''] = ip.toLowerCase().split('::');
  const groups = head ? head.split(':') : [];
  const missing = 8 - groups.length - (tail ? tail.split(':').length : 0);
  const full = [...groups, ...Array(Math.max(missing, 0)).fill('0'), ...(tail ? tail.split(':') : [])];
  return `${full.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}
