import { describe, expect, it } from 'vitest';
import { checkSchedule, dueTime, instantOf, intoWindow, type Schedule } from '../../src/campaigns/schedule.js';

const iso = (ms: number) => new Date(ms).toISOString();
const at = (text: string) => Date.parse(text);

describe('campaign schedule', () => {
  it('finds the instant of a wall-clock time in a zone, across DST changes', () => {
    expect(iso(instantOf(2026, 11, 23, 9 * 60, 'Europe/Madrid'))).toBe('2026-11-23T08:00:00.000Z'); // CET, +1
    expect(iso(instantOf(2026, 7, 1, 9 * 60, 'Europe/Madrid'))).toBe('2026-07-01T07:00:00.000Z'); // CEST, +2
    expect(iso(instantOf(2026, 11, 23, 9 * 60, 'America/New_York'))).toBe('2026-11-23T14:00:00.000Z');
    expect(iso(instantOf(2026, 11, 23, 9 * 60, 'Asia/Tokyo'))).toBe('2026-11-23T00:00:00.000Z');
    expect(iso(instantOf(2026, 11, 23, 9 * 60 + 30, 'Asia/Kolkata'))).toBe('2026-11-23T04:00:00.000Z');
    // The morning DST starts in New York (2026-03-08): 09:00 is already EDT.
    expect(iso(instantOf(2026, 3, 8, 9 * 60, 'America/New_York'))).toBe('2026-03-08T13:00:00.000Z');
  });

  it('sends at 09:00 local in each contact zone, using the campaign zone for contacts without one', () => {
    const now = at('2026-11-22T20:00:00Z');
    const schedule: Schedule = { kind: 'local', localTime: '09:00', timeZone: 'Europe/London' };
    expect(iso(dueTime(schedule, now, 'Asia/Tokyo', 0, 3))).toBe('2026-11-23T00:00:00.000Z');
    expect(iso(dueTime(schedule, now, 'Europe/Madrid', 1, 3))).toBe('2026-11-23T08:00:00.000Z');
    expect(iso(dueTime(schedule, now, 'America/New_York', 2, 3))).toBe('2026-11-23T14:00:00.000Z');
    expect(iso(dueTime(schedule, now, null, 0, 3))).toBe('2026-11-23T09:00:00.000Z');
    expect(iso(dueTime(schedule, now, 'Not/AZone', 0, 3))).toBe('2026-11-23T09:00:00.000Z');
    // On a given date; where 09:00 has already passed, as soon as possible.
    const dated: Schedule = { ...schedule, date: '2026-11-22' };
    expect(dueTime(dated, now, 'Asia/Tokyo', 0, 1)).toBe(now);
    expect(iso(dueTime(dated, at('2026-11-21T20:00:00Z'), 'America/New_York', 0, 1))).toBe('2026-11-22T14:00:00.000Z');
  });

  it('starts at a time, spreads over hours, and keeps to a daily window', () => {
    const now = at('2026-11-22T10:00:00Z');
    const start = at('2026-11-22T12:00:00Z');
    expect(dueTime({ kind: 'now', timeZone: 'UTC' }, now, null, 5, 10)).toBe(now);
    expect(dueTime({ kind: 'at', at: start, timeZone: 'UTC' }, now, 'Asia/Tokyo', 0, 10)).toBe(start);
    expect(dueTime({ kind: 'at', at: now - 60_000, timeZone: 'UTC' }, now, null, 0, 1)).toBe(now);
    const spread: Schedule = { kind: 'at', at: start, timeZone: 'UTC', spreadHours: 10 };
    expect(iso(dueTime(spread, now, null, 0, 100))).toBe('2026-11-22T12:00:00.000Z');
    expect(iso(dueTime(spread, now, null, 50, 100))).toBe('2026-11-22T17:00:00.000Z');
    expect(iso(dueTime(spread, now, null, 99, 100))).toBe('2026-11-22T21:54:00.000Z');
    // 09:00–18:00 in Madrid: 21:54Z is 22:54 there, so the next morning at 09:00 (08:00Z).
    expect(iso(dueTime({ ...spread, window: { start: '09:00', end: '18:00' }, timeZone: 'Europe/Madrid' }, now, null, 99, 100))).toBe('2026-11-23T08:00:00.000Z');
    expect(iso(intoWindow(at('2026-11-22T05:00:00Z'), { start: '09:00', end: '18:00' }, 'UTC'))).toBe('2026-11-22T09:00:00.000Z');
    expect(intoWindow(at('2026-11-22T10:00:00Z'), { start: '09:00', end: '18:00' }, 'UTC')).toBe(at('2026-11-22T10:00:00Z'));
    // A window across midnight.
    expect(intoWindow(at('2026-11-22T23:30:00Z'), { start: '22:00', end: '06:00' }, 'UTC')).toBe(at('2026-11-22T23:30:00Z'));
    expect(iso(intoWindow(at('2026-11-22T12:00:00Z'), { start: '22:00', end: '06:00' }, 'UTC'))).toBe('2026-11-22T22:00:00.000Z');
  });

  it('names the field of a bad schedule', () => {
    const now = Date.now();
    const field = (s: Schedule) => {
      try {
        checkSchedule(s, now);
        return null;
      } catch (e) {
        return (e as { field: string }).field;
      }
    };
    expect(field({ kind: 'local', localTime: '25:00', timeZone: 'UTC' })).toBe('schedule.localTime');
    expect(field({ kind: 'local', localTime: '09:00', timeZone: 'Mars/Base' })).toBe('schedule.timeZone');
    expect(field({ kind: 'at', timeZone: 'UTC' })).toBe('schedule.at');
    expect(field({ kind: 'now', timeZone: 'UTC', window: { start: '09:00', end: '9' } })).toBe('schedule.window.end');
    expect(field({ kind: 'now', timeZone: 'UTC', spreadHours: 0 })).toBe('schedule.spreadHours');
    expect(field({ kind: 'local', localTime: '09:00', date: '2026-11-23', timeZone: 'Europe/Madrid' })).toBeNull();
  });
});
