import { describe, expect, it } from 'vitest';
import { FULL_SPEED, allowedSessions, pauseFor, settle, slowDown, Semaphore } from '../../src/throttle/index.js';
import { destinationOf, parseShaping, loadShaping } from '../../src/transports/direct/shaping.js';

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const MIN = 60_000;

describe('throttle state', () => {
  it('slows down a level per answer, halving the rate from what was being sent, then returns one level per period', () => {
    let s = slowDown(FULL_SPEED, { now: T0, reason: '454 Throttling', durationMs: 10 * MIN, sentLastMinute: 120, limit: null });
    expect(s).toMatchObject({ level: 1, rate: 60, levelUntil: T0 + 10 * MIN, periodMs: 10 * MIN, reason: '454 Throttling' });
    // The other sessions heard the same answer a moment later: no second step.
    expect(slowDown(s, { now: T0 + 1000, reason: 'again', durationMs: 10 * MIN, sentLastMinute: 60, limit: null })).toBe(s);
    s = slowDown(s, { now: T0 + MIN, reason: 'again', durationMs: 10 * MIN, sentLastMinute: 60, limit: null });
    expect(s).toMatchObject({ level: 2, rate: 30, levelUntil: T0 + 11 * MIN });
    expect(settle(s, T0 + 10 * MIN)).toBe(s);
    const one = settle(s, T0 + 11 * MIN);
    expect(one).toMatchObject({ level: 1, rate: 60, levelUntil: T0 + 21 * MIN });
    expect(settle(one, T0 + 21 * MIN)).toMatchObject({ level: 0, rate: null, levelUntil: null, reason: null });
  });

  it('starts below a configured per-minute limit, and never below one a minute', () => {
    expect(slowDown(FULL_SPEED, { now: T0, reason: 'x', durationMs: null, sentLastMinute: 500, limit: 100 }).rate).toBe(50);
    expect(slowDown(FULL_SPEED, { now: T0, reason: 'x', durationMs: null, sentLastMinute: 1, limit: null }).rate).toBe(1);
  });

  it('pauses once for answers heard together, and a pause ends by itself', () => {
    const paused = pauseFor(FULL_SPEED, { now: T0, reason: '550 5.4.5 Daily user sending limit exceeded', durationMs: 24 * 60 * MIN });
    expect(paused).toMatchObject({ pausedUntil: T0 + 24 * 60 * MIN, pauseCount: 1 });
    expect(pauseFor(paused, { now: T0 + 5, reason: 'again', durationMs: MIN })).toBe(paused);
    expect(settle(paused, T0 + 24 * 60 * MIN)).toMatchObject({ pausedUntil: null, pauseReason: null, pauseCount: 1 });
  });

  it('halves sessions per level, never below one', () => {
    expect([0, 1, 2, 3, 4].map((level) => allowedSessions(10, level))).toEqual([10, 5, 2, 1, 1]);
  });

  it('a semaphore shrinks as holders leave and grows at once', async () => {
    const gate = new Semaphore(4);
    const held = await Promise.all([gate.acquire(), gate.acquire(), gate.acquire(), gate.acquire()]);
    gate.resize(2);
    let fifth = false;
    void gate.acquire().then(() => (fifth = true));
    held[0]!();
    held[1]!();
    await new Promise((r) => setTimeout(r, 5));
    expect(fifth).toBe(false);
    held[2]!();
    await new Promise((r) => setTimeout(r, 5));
    expect(fifth).toBe(true);
    gate.resize(4);
    expect(gate.inUse()).toBe(2);
  });
});

describe('shaping table', () => {
  const rules = loadShaping(null);

  it('rolls up domains by provider and by MX host', () => {
    expect(destinationOf(rules, 'gmail.com', 'gmail-smtp-in.l.google.com')).toMatchObject({ name: 'gmail', connections: 10 });
    // A Google Workspace domain is Google's by its MX host.
    expect(destinationOf(rules, 'example-company.com', 'aspmx.l.google.com').name).toBe('gmail');
    expect(destinationOf(rules, 'contoso.com', 'contoso-com.mail.protection.outlook.com').name).toBe('outlook');
    expect(destinationOf(rules, 'hotmail.com', 'hotmail-com.olc.protection.outlook.com').name).toBe('outlook');
    expect(destinationOf(rules, 'aol.com', 'mx-aol.mail.gm0.yahoodns.net').name).toBe('yahoo');
    // Two unknown domains on one MX host share a destination, with the default limits.
    const a = destinationOf(rules, 'a.example', 'mx.hosting.example');
    expect(a).toEqual({ name: 'mx.hosting.example', connections: 3, perMinute: null, perSession: 100 });
    expect(destinationOf(rules, 'b.example', 'MX.Hosting.Example').name).toBe('mx.hosting.example');
  });

  it("lets the user's own lines win, and names a bad line", () => {
    const mine = [...parseShaping('gmail gmail.com connections=2 per-minute=30\n', 'mine'), ...rules];
    expect(destinationOf(mine, 'gmail.com', 'x')).toEqual({ name: 'gmail', connections: 2, perMinute: 30, perSession: 100 });
    expect(() => parseShaping('x *.example.com connections=0\n', 'mine')).toThrow(/mine:1: connections must be a positive number/);
    expect(() => parseShaping('x example.com speed=9\n', 'mine')).toThrow(/mine:1: "speed=9" is not/);
  });
});
