/**
 * The per-server gate's give-up: a stopping worker's attempts that wait for a session slot leave
 * the queue when the signal aborts, take no slot, and leave no listener behind on the signal.
 */
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { Semaphore } from '../../src/throttle/semaphore.js';

describe('Semaphore.acquireUnless', () => {
  it('gives up waiting when the signal aborts, and hands slots on in order otherwise', async () => {
    const gate = new Semaphore(2);
    const stopping = new AbortController();
    const a = (await gate.acquireUnless(stopping.signal))!;
    const b = (await gate.acquireUnless(stopping.signal))!;
    const waiting = Array.from({ length: 20 }, () => gate.acquireUnless(stopping.signal));
    expect(gate.waiters()).toBe(20);
    a();
    const first = await waiting[0]!;
    expect(first).toBeTypeOf('function');
    expect(gate.inUse()).toBe(2);
    stopping.abort();
    const rest = await Promise.all(waiting.slice(1));
    expect(rest.every((r) => r === null)).toBe(true);
    expect(gate.waiters()).toBe(0);
    b();
    first!();
    expect(gate.inUse()).toBe(0);
    expect(await gate.acquireUnless(stopping.signal)).toBeNull();
  });

  it('listens to the signal once, however many wait (hundreds of attempts wait for a few sessions)', async () => {
    const gate = new Semaphore(1);
    const stopping = new AbortController();
    const held = (await gate.acquireUnless(stopping.signal))!;
    const waiting = Array.from({ length: 300 }, () => gate.acquireUnless(stopping.signal));
    expect(getEventListeners(stopping.signal, 'abort')).toHaveLength(1);
    // Another signal's waiter is not given up with this one's.
    const other = new AbortController();
    const theirs = gate.acquireUnless(other.signal);
    stopping.abort();
    expect((await Promise.all(waiting)).every((r) => r === null)).toBe(true);
    held();
    expect(await theirs).toBeTypeOf('function');
  });
});
