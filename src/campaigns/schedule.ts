/**
 * When each of a campaign's recipients is due. Pure functions over instants (ms since the epoch)
 * and IANA time zones, so tests can give any "now".
 *
 *   now    everyone at once (or spread over N hours)
 *   at     everyone from a given instant
 *   local  each contact at a wall-clock time in their own time zone (contacts without one use
 *          the campaign's): on a given date, or at the next such time after now. A time already
 *          past on that date means "as soon as possible".
 *
 * A daily sending window (in the contact's zone for `local`, else the campaign's) moves a due
 * time that falls outside it to the window's next opening. A window may cross midnight.
 */
import { InputError } from '../lib/input-error.js';
import { isTimeZone } from './contact-input.js';

export interface Schedule {
  kind: 'now' | 'at' | 'local';
  /** `at`: the instant to start. */
  at?: number | undefined;
  /** `local`: HH:MM in each contact's zone. */
  localTime?: string | undefined;
  /** `local`: YYYY-MM-DD; left out, the next HH:MM after now. */
  date?: string | undefined;
  /** The campaign's zone: for contacts without one, and for the window of `now` and `at`. */
  timeZone: string;
  window?: { start: string; end: string } | undefined;
  /** Spread the sends evenly over this many hours from the start. */
  spreadHours?: number | undefined;
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

const formatters = new Map<string, Intl.DateTimeFormat>();
function wallClock(instant: number, zone: string): { y: number; m: number; d: number; minutes: number; wallMs: number } {
  let format = formatters.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(zone, format);
  }
  const parts: Record<string, number> = {};
  for (const part of format.formatToParts(new Date(instant))) if (part.type !== 'literal') parts[part.type] = Number(part.value);
  const { year: y, month: m, day: d, hour, minute, second } = parts as Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', number>;
  const wallMs = Date.UTC(y, m - 1, d, hour, minute, second) + (instant % 1000);
  return { y, m, d, minutes: hour * 60 + minute, wallMs };
}

/** The instant at which the wall clock in `zone` shows this date and time (a time skipped by DST moves an hour on). */
export function instantOf(y: number, m: number, d: number, minutes: number, zone: string): number {
  const wall = Date.UTC(y, m - 1, d, 0, minutes);
  let guess = wall - (wallClock(wall, zone).wallMs - wall);
  const offset = wallClock(guess, zone).wallMs - guess;
  guess = wall - offset;
  return guess;
}

const minutesOf = (hhmm: string): number => {
  const match = HHMM.exec(hhmm)!;
  return Number(match[1]) * 60 + Number(match[2]);
};

/** Checks a schedule once, where it enters; every error names its field. */
export function checkSchedule(schedule: Schedule, now: number): void {
  if (!['now', 'at', 'local'].includes(schedule.kind)) throw new InputError('schedule.kind', 'must be now, at or local');
  if (!isTimeZone(schedule.timeZone)) throw new InputError('schedule.timeZone', `"${schedule.timeZone}" is not an IANA time zone`);
  if (schedule.kind === 'at' && (schedule.at === undefined || !Number.isFinite(schedule.at))) throw new InputError('schedule.at', 'is required: when to send');
  if (schedule.kind === 'at' && schedule.at! < now - DAY) throw new InputError('schedule.at', 'is in the past');
  if (schedule.kind === 'local') {
    if (!schedule.localTime || !HHMM.test(schedule.localTime)) throw new InputError('schedule.localTime', 'must be HH:MM (24-hour)');
    if (schedule.date !== undefined && !DATE.test(schedule.date)) throw new InputError('schedule.date', 'must be YYYY-MM-DD');
  }
  if (schedule.window) {
    if (!HHMM.test(schedule.window.start)) throw new InputError('schedule.window.start', 'must be HH:MM (24-hour)');
    if (!HHMM.test(schedule.window.end)) throw new InputError('schedule.window.end', 'must be HH:MM (24-hour)');
    if (schedule.window.start === schedule.window.end) throw new InputError('schedule.window.end', 'must differ from the start');
  }
  if (schedule.spreadHours !== undefined && !(schedule.spreadHours > 0 && schedule.spreadHours <= 24 * 14)) throw new InputError('schedule.spreadHours', 'must be more than 0 and at most 336');
}

/** Moves `instant` to the next opening of the daily window (in `zone`) when it falls outside it. */
export function intoWindow(instant: number, window: { start: string; end: string }, zone: string): number {
  const start = minutesOf(window.start);
  const end = minutesOf(window.end);
  const { y, m, d, minutes } = wallClock(instant, zone);
  const inside = start < end ? minutes >= start && minutes < end : minutes >= start || minutes < end;
  if (inside) return instant;
  // Before today's opening: today's; otherwise tomorrow's (dates roll over through Date.UTC).
  const opening = instantOf(y, m, d, start, zone);
  if (opening > instant) return opening;
  const tomorrow = new Date(Date.UTC(y, m - 1, d + 1));
  return instantOf(tomorrow.getUTCFullYear(), tomorrow.getUTCMonth() + 1, tomorrow.getUTCDate(), start, zone);
}

/**
 * When the recipient number `index` of `total` is due; `contactZone` is the contact's own zone,
 * or null. Never earlier than `now`.
 */
export function dueTime(schedule: Schedule, now: number, contactZone: string | null, index: number, total: number): number {
  const zone = schedule.kind === 'local' && contactZone && isTimeZone(contactZone) ? contactZone : schedule.timeZone;
  let due: number;
  if (schedule.kind === 'now') due = now;
  else if (schedule.kind === 'at') due = Math.max(now, schedule.at!);
  else {
    const minutes = minutesOf(schedule.localTime!);
    if (schedule.date) {
      const [, y, m, d] = DATE.exec(schedule.date)!.map(Number) as [number, number, number, number];
      due = Math.max(now, instantOf(y, m, d, minutes, zone));
    } else {
      const today = wallClock(now, zone);
      due = instantOf(today.y, today.m, today.d, minutes, zone);
      if (due < now) {
        const tomorrow = new Date(Date.UTC(today.y, today.m - 1, today.d + 1));
        due = instantOf(tomorrow.getUTCFullYear(), tomorrow.getUTCMonth() + 1, tomorrow.getUTCDate(), minutes, zone);
      }
    }
  }
  if (schedule.spreadHours && total > 1) due += Math.floor((index / total) * schedule.spreadHours * 3_600_000);
  if (schedule.window) due = intoWindow(due, schedule.window, zone);
  return due;
}
