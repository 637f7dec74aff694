/**
 * A campaign being made in the wizard: its fields as the form holds them, what each step needs
 * before the next, the API body it becomes, and which step shows an error the API names.
 */
import type { CampaignSchedule } from '../types';

export const STEPS = ['Content', 'Audience', 'Schedule', 'Review'] as const;
export type Step = (typeof STEPS)[number];

export interface Draft {
  name: string;
  from: string;
  replyTo: string;
  contentKind: 'template' | 'own';
  template: string;
  subject: string;
  html: string;
  lists: string[];
  segment: string;
  server: string;
  when: 'now' | 'at' | 'local';
  at: string;
  localTime: string;
  date: string;
  timeZone: string;
  windowOn: boolean;
  windowStart: string;
  windowEnd: string;
  spreadHours: string;
  /** An open pixel in each message, and links through the click tracker (both on by default). */
  trackOpens: boolean;
  trackClicks: boolean;
}

/** The API's name for a draft's field, where the two differ. */
export const ERROR_FIELD: Partial<Record<keyof Draft, string>> = {
  at: 'schedule.at',
  localTime: 'schedule.localTime',
  date: 'schedule.date',
  timeZone: 'schedule.timeZone',
  windowOn: 'schedule.window',
  windowStart: 'schedule.window',
  windowEnd: 'schedule.window',
  spreadHours: 'schedule.spreadHours',
  contentKind: 'template',
};

/** Which step holds the field an API error names. */
export function stepOf(field: string | null): Step {
  if (!field) return 'Review';
  if (/^(lists|segment|server)/.test(field)) return 'Audience';
  if (field.startsWith('schedule')) return 'Schedule';
  return 'Content';
}

function scheduleOf(d: Draft): CampaignSchedule {
  const extra = {
    timeZone: d.timeZone.trim() || 'UTC',
    ...(d.windowOn ? { window: { start: d.windowStart, end: d.windowEnd } } : {}),
    ...(d.spreadHours.trim() ? { spreadHours: Number(d.spreadHours) } : {}),
  };
  if (d.when === 'at') return { kind: 'at', at: d.at ? new Date(d.at).toISOString() : '', ...extra };
  if (d.when === 'local') return { kind: 'local', localTime: d.localTime, ...(d.date ? { date: d.date } : {}), ...extra };
  return { kind: 'now', ...extra };
}

export function bodyOf(d: Draft) {
  return {
    name: d.name.trim(),
    from: d.from.trim(),
    ...(d.replyTo.trim() ? { replyTo: d.replyTo.trim() } : {}),
    ...(d.contentKind === 'template' ? { template: d.template, ...(d.subject.trim() ? { subject: d.subject } : {}) } : { subject: d.subject, html: d.html }),
    lists: d.lists,
    ...(d.segment ? { segment: d.segment } : {}),
    ...(d.server ? { server: d.server } : {}),
    schedule: scheduleOf(d),
    trackOpens: d.trackOpens,
    trackClicks: d.trackClicks,
  };
}

/** What is missing on a step before going on, by field; empty when it may go on. */
export function problems(step: Step, d: Draft): Record<string, string> {
  const out: Record<string, string> = {};
  if (step === 'Content') {
    if (!d.name.trim()) out.name = 'is required';
    if (!d.from.trim()) out.from = 'is required';
    if (d.contentKind === 'template' && !d.template) out.template = 'choose a template';
    if (d.contentKind === 'own' && !d.subject.trim()) out.subject = 'is required without a template';
    if (d.contentKind === 'own' && !d.html.trim()) out.html = 'is required';
  }
  if (step === 'Audience' && d.lists.length === 0 && !d.segment) out.lists = 'choose at least one list or a segment';
  if (step === 'Schedule') {
    if (d.when === 'at' && !d.at) out['schedule.at'] = 'choose the date and time';
    if (d.when === 'local' && !d.localTime) out['schedule.localTime'] = 'choose the local time';
    if (d.windowOn && (!d.windowStart || !d.windowEnd)) out['schedule.window'] = 'give the window its start and end';
    if (d.spreadHours.trim() && !(Number(d.spreadHours) > 0)) out['schedule.spreadHours'] = 'must be a number of hours above 0';
  }
  return out;
}
