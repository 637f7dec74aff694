/**
 * A server's state in one line, for the API, the CLI and logs: "paused until 2026-12-02 14:05 UTC
 * because: 421 4.7.0 …", "slowed down to 1/2 until … because: …", "unhealthy since …: …".
 * A pause "until further notice" (a revoked OAuth grant) says so.
 */
import type { OutgoingServer } from './server-record.js';

export type ServerState = 'inactive' | 'paused' | 'unhealthy' | 'slowed' | 'active';

/** Pauses this far off mean "until someone acts" (a revoked grant), not a time. */
const FURTHER_NOTICE_MS = 365 * 24 * 3_600_000;

export function describeServerState(s: OutgoingServer, now: number): { state: ServerState; text: string } {
  if (!s.active) return { state: 'inactive', text: 'inactive: no mail is routed to it' };
  if (s.pausedUntil && s.pausedUntil > now) {
    const until = s.pausedUntil - now > FURTHER_NOTICE_MS ? 'until further notice' : `until ${clock(s.pausedUntil)}`;
    return { state: 'paused', text: `paused ${until} because: ${s.pauseReason ?? 'the provider asked to wait'}` };
  }
  if (s.unhealthySince) return { state: 'unhealthy', text: `unhealthy since ${clock(s.unhealthySince)}: ${s.unhealthyReason ?? 'connections failed'}` };
  if (s.throttleLevel > 0) {
    const until = s.throttleUntil ? ` until ${clock(s.throttleUntil)}` : '';
    return { state: 'slowed', text: `slowed down to 1/${2 ** s.throttleLevel}${until} because: ${s.throttleReason ?? 'the provider asked'}` };
  }
  return { state: 'active', text: 'active' };
}

/** `2026-12-02 14:05 UTC` */
function clock(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
