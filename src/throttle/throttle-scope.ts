/**
 * What is throttled as one: a server, or one destination of a direct server. Holds the state
 * (throttle-state.ts) as last read or written, saves every change so other workers see it, and
 * gates each send: nothing while paused, and while slowed no more than the level's rate — held
 * cluster-wide when a `rateQuota` is given (ClusterQuota), else in this process.
 */
import { QuotaLedger, type QuotaDecision } from './quota.js';
import { SendLog } from './send-log.js';
import { allowedSessions, pauseFor, sameState, settle, slowDown, type ThrottleState } from './throttle-state.js';

export type Gate = { go: true } | { go: false; until: number; reason: string };

export interface ThrottleAnswer {
  answerClass: 'slow-down' | 'pause';
  durationMs: number | null;
  reason: string;
}

/** A per-minute quota of `rate` sends. */
export type RateQuota = (rate: number) => { take(now: number, count: number): QuotaDecision | Promise<QuotaDecision> };

const localRate: RateQuota = (rate) => new QuotaLedger([{ name: 'minute', limit: rate, windowMs: 60_000 }]);

export class ThrottleScope {
  readonly log = new SendLog();
  private ledger: ReturnType<RateQuota> | null = null;
  private ledgerRate: number | null = null;

  constructor(
    /** `server "Gmail"` or `destination gmail of server "Direct"`, for logs and reasons. */
    readonly label: string,
    private state: ThrottleState,
    private readonly save: (state: ThrottleState) => Promise<void>,
    /** The configured messages-per-minute limit, if any (a slow-down starts below it). */
    readonly limitPerMinute: number | null,
    private readonly rateQuota: RateQuota = localRate,
  ) {}

  current(): ThrottleState {
    return this.state;
  }

  /** Takes a state another worker wrote. */
  adopt(state: ThrottleState): void {
    this.state = state;
  }

  /** Sessions allowed now, out of `max`. */
  sessions(max: number): number {
    return allowedSessions(max, this.state.level);
  }

  async gate(now: number, count: number): Promise<Gate> {
    await this.change(settle(this.state, now));
    const s = this.state;
    if (s.pausedUntil !== null && s.pausedUntil > now) return { go: false, until: s.pausedUntil, reason: `resting: ${s.pauseReason ?? 'asked to wait'}` };
    if (s.level > 0 && s.rate !== null) {
      if (this.ledgerRate !== s.rate) {
        this.ledger = this.rateQuota(s.rate);
        this.ledgerRate = s.rate;
      }
      const taken = await this.ledger!.take(now, count);
      if (!taken.ok) return { go: false, until: Math.min(taken.until, s.levelUntil ?? taken.until), reason: `slowed down to ${s.rate} a minute: ${s.reason ?? ''}`.trim() };
    }
    this.log.record(now, count);
    return { go: true };
  }

  /**
   * The provider asked to slow down or pause. Returns until when the message waits: the end of
   * the pause, or — slowed — soon, to go again at the lower rate.
   */
  async answer(now: number, answer: ThrottleAnswer, growingPauseMs: (pauseCount: number) => number): Promise<number> {
    if (answer.answerClass === 'pause') {
      const next = pauseFor(this.state, { now, reason: answer.reason, durationMs: answer.durationMs ?? growingPauseMs(this.state.pauseCount) });
      await this.change(next);
      return next.pausedUntil ?? now;
    }
    const next = slowDown(this.state, { now, reason: answer.reason, durationMs: answer.durationMs, sentLastMinute: this.log.lastMinute(now), limit: this.limitPerMinute });
    await this.change(next);
    return now + Math.max(1000, Math.ceil(60_000 / Math.max(1, next.rate ?? 60)));
  }

  /** A delivery went through: the next pause starts from the shortest again. */
  async delivered(): Promise<void> {
    if (this.state.pauseCount > 0) await this.change({ ...this.state, pauseCount: 0 });
  }

  private async change(next: ThrottleState): Promise<void> {
    if (sameState(next, this.state)) return;
    this.state = next;
    await this.save(next);
  }
}
