/**
 * A campaign is made as a draft: its content (a template's, copied, or its own) compiled, its
 * audience (lists) and its schedule checked. Nothing is queued until it is started.
 */
import { z } from 'zod';
import type { Store, CampaignRow } from '../store/index.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { InputError, inputErrorFromZod } from '../lib/input-error.js';
import { formatMailbox, parseMailbox } from '../spool/index.js';
import { findServer } from '../servers/index.js';
import { compileTemplate } from './compile-template.js';
import { findTemplate } from './manage-templates.js';
import { findList } from './lists.js';
import { findSegment } from './segment.js';
import { checkSchedule, type Schedule } from './schedule.js';
import { parseLiquid, textLiquid } from './liquid.js';

const hhmm = z.string().max(5);
export const scheduleSchema = z.object({
  kind: z.enum(['now', 'at', 'local']),
  at: z.union([z.number(), z.string()]).optional().describe('kind "at": an ISO 8601 time'),
  localTime: hhmm.optional().describe('kind "local": HH:MM in each contact\'s time zone'),
  date: z.string().max(10).optional().describe('kind "local": YYYY-MM-DD; left out, the next such time'),
  timeZone: z.string().max(64).default('UTC').describe("The campaign's time zone (contacts without one use it)"),
  window: z.object({ start: hhmm, end: hhmm }).optional().describe('Send only between these local times each day'),
  spreadHours: z.number().optional().describe('Spread the sends over this many hours'),
});

export const campaignInputSchema = z.object({
  name: z.string().trim().min(1, 'is required').max(200),
  subject: z.string().max(998).optional().describe("Liquid; left out, the template's"),
  from: z.string().max(500),
  replyTo: z.string().max(500).optional(),
  template: z.string().max(200).optional().describe('Template id or name'),
  html: z.string().max(5_000_000).optional().describe('Content of its own (HTML or MJML, with Liquid), instead of a template'),
  text: z.string().max(5_000_000).optional(),
  lists: z.array(z.string().max(200)).max(100).default([]).describe('Lists to send to (their contacts, each address once)'),
  segment: z.string().max(200).optional().describe('A segment the audience must match (alone: every contact it matches)'),
  server: z.string().max(200).optional().describe('Server to send with; left out, the bulk_server setting, else normal routing'),
  schedule: scheduleSchema.default({ kind: 'now', timeZone: 'UTC' }),
  trackOpens: z.boolean().default(true).describe('An open pixel in each message'),
  trackClicks: z.boolean().default(true).describe('Links go through the click tracker'),
});

export type CampaignInput = z.input<typeof campaignInputSchema>;

export async function createCampaign(ctx: { store: Store; clock: Clock }, input: unknown, userId: string | null): Promise<CampaignRow> {
  const parsed = campaignInputSchema.safeParse(input);
  if (!parsed.success) throw inputErrorFromZod(parsed.error);
  const c = parsed.data;
  const now = ctx.clock.now();

  const from = parseMailbox(c.from);
  if (typeof from === 'string') throw new InputError('from', from);
  const replyTo = c.replyTo ? parseMailbox(c.replyTo) : null;
  if (typeof replyTo === 'string') throw new InputError('replyTo', replyTo);

  let content: { subject: string; html: string; text: string | null; textGenerated: string; templateId: string | null };
  if (c.template && c.html) throw new InputError('html', 'give a template or content of its own, not both');
  if (c.template) {
    const template = await findTemplate(ctx.store, c.template, 'template');
    content = { subject: c.subject ?? template.subject, html: template.html, text: c.text ?? template.text, textGenerated: template.text_generated, templateId: template.id };
  } else if (c.html) {
    if (!c.subject) throw new InputError('subject', 'is required without a template');
    const compiled = await compileTemplate({ name: c.name, subject: c.subject, source: c.html, text: c.text });
    content = { subject: compiled.subject, html: compiled.html, text: compiled.text, textGenerated: compiled.textGenerated, templateId: null };
  } else {
    throw new InputError('template', 'give a template, or the content as html');
  }
  if (/[\r\n]/.test(content.subject)) throw new InputError('subject', 'must be one line');
  parseLiquid(textLiquid, content.subject, 'subject');

  const listIds: string[] = [];
  for (const [i, name] of c.lists.entries()) listIds.push((await findList(ctx.store, name, `lists[${i}]`)).id);
  const segmentId = c.segment ? (await findSegment(ctx.store, c.segment, 'segment')).id : null;
  if (listIds.length === 0 && !segmentId) throw new InputError('lists', 'name at least one list or a segment');
  const serverId = c.server ? (await findServer(ctx.store, c.server, 'server')).id : null;

  const schedule = scheduleFromInput(c.schedule, now);

  const row: CampaignRow = {
    id: newId('cmp', now),
    name: c.name,
    status: 'draft',
    user_id: userId,
    subject: content.subject,
    from_header: formatMailbox(from),
    from_address: from.address,
    reply_to: replyTo ? formatMailbox(replyTo) : null,
    template_id: content.templateId,
    html: content.html,
    text: content.text,
    text_generated: content.textGenerated,
    list_ids: JSON.stringify([...new Set(listIds)]),
    segment_id: segmentId,
    server_id: serverId,
    schedule: JSON.stringify(schedule),
    total: 0,
    expand_cursor: null,
    expanded: 0,
    created_at: now,
    updated_at: now,
    started_at: null,
    finished_at: null,
    track_opens: c.trackOpens ? 1 : 0,
    track_clicks: c.trackClicks ? 1 : 0,
    pause_reason: null,
  };
  await ctx.store.db.insertInto('campaigns').values(row).execute();
  return row;
}

/** A schedule as people give it (ISO times), checked; every error names its field. */
export function scheduleFromInput(input: unknown, now: number): Schedule {
  const parsed = scheduleSchema.safeParse(input);
  if (!parsed.success) throw inputErrorFromZod(parsed.error).renamed(`schedule.${inputErrorFromZod(parsed.error).field}`);
  const given = parsed.data;
  const schedule: Schedule = {
    kind: given.kind,
    at: given.at === undefined ? undefined : typeof given.at === 'number' ? given.at : Date.parse(given.at),
    localTime: given.localTime,
    date: given.date,
    timeZone: given.timeZone,
    window: given.window,
    spreadHours: given.spreadHours,
  };
  if (schedule.at !== undefined && Number.isNaN(schedule.at)) throw new InputError('schedule.at', 'must be an ISO 8601 time');
  checkSchedule(schedule, now);
  return schedule;
}

export async function findCampaign(store: Store, idOrName: string, field = 'campaign'): Promise<CampaignRow> {
  const row = await store.db
    .selectFrom('campaigns')
    .selectAll()
    .where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)]))
    .orderBy('id', 'desc')
    .executeTakeFirst();
  if (!row) throw new InputError(field, `no campaign "${idOrName}"`);
  return row;
}
