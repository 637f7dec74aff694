/** `postroom template …` and `postroom campaign …`. */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import {
  advanceCampaigns,
  rescheduleCampaign,
  campaignProgress,
  cancelCampaign,
  createCampaign,
  createTemplate,
  findCampaign,
  listTemplates,
  pauseCampaign,
  resumeCampaign,
  retryFailedRecipients,
  startCampaign,
  writeCampaignReport,
  type CampaignProgress,
} from '../campaigns/index.js';
import { InputError } from '../lib/input-error.js';
import { withApp } from './context.js';
import { table, writeOutput } from './output.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

function readText(file: string, flag: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw new InputError(flag, `cannot read ${file}`);
  }
}

function progressLine(p: CampaignProgress): string {
  const r = p.recipients;
  return (
    `${p.name} (${p.id}): ${p.status}; ${p.total} recipients: ${r.sent} sent, ${r.deferred} deferred, ${r.failed} failed, ${r.cancelled} cancelled, ${p.remaining} remaining` +
    (r.paused ? ` (${r.paused} paused)` : '') +
    (p.ratePerMinute ? `; ${p.ratePerMinute}/min` : '') +
    (p.eta ? `, done about ${p.eta}` : '')
  );
}

interface ScheduleFlags {
  at?: string;
  localTime?: string;
  date?: string;
  timeZone?: string;
  window?: string;
  spreadHours?: string;
}

function scheduleOf(flags: ScheduleFlags) {
  const window = flags.window ? /^(\d\d:\d\d)-(\d\d:\d\d)$/.exec(flags.window) : null;
  if (flags.window && !window) throw new InputError('--window', 'must be HH:MM-HH:MM, for example 09:00-18:00');
  return {
    kind: flags.localTime ? ('local' as const) : flags.at ? ('at' as const) : ('now' as const),
    at: flags.at,
    localTime: flags.localTime,
    date: flags.date,
    timeZone: flags.timeZone ?? 'UTC',
    window: window ? { start: window[1]!, end: window[2]! } : undefined,
    spreadHours: flags.spreadHours === undefined ? undefined : Number(flags.spreadHours),
  };
}

export function templateCommands(): Command {
  const template = new Command('template').description('message templates (Liquid over contact fields)');
  template
    .command('create')
    .description('create a template from an HTML or MJML file')
    .requiredOption('--name <name>')
    .requiredOption('--subject <subject>', 'Liquid, e.g. "Hello {{ contact.first_name | default: \\"there\\" }}"')
    .requiredOption('--html-file <file>', 'HTML or MJML with Liquid')
    .option('--text-file <file>', 'a hand-written plain-text part (made from the HTML when left out)')
    .action(async (flags: { name: string; subject: string; htmlFile: string; textFile?: string }, command: Command) =>
      withApp(command, async (app, out) => {
        const row = await createTemplate(app.store, app.clock, {
          name: flags.name,
          subject: flags.subject,
          source: readText(flags.htmlFile, '--html-file'),
          text: flags.textFile ? readText(flags.textFile, '--text-file') : null,
        });
        out.print({ id: row.id, name: row.name, format: row.format }, () => `created template "${row.name}" (${row.id}, ${row.format})`);
      }),
    );
  template
    .command('list')
    .description('list templates')
    .action(async (_flags: unknown, command: Command) =>
      withApp(command, async (app, out) => {
        const rows = await listTemplates(app.store);
        out.print(rows.map((r) => ({ id: r.id, name: r.name, format: r.format, subject: r.subject })), () => table(['NAME', 'FORMAT', 'SUBJECT'], rows.map((r) => [r.name, r.format, r.subject])));
      }),
    );
  return template;
}

export function campaignCommands(): Command {
  const campaign = new Command('campaign').description('campaigns to lists of contacts');
  const withSchedule = (c: Command) =>
    c
      .option('--at <time>', 'start at this ISO 8601 time')
      .option('--local-time <HH:MM>', "send at this time in each contact's time zone")
      .option('--date <YYYY-MM-DD>', 'with --local-time: on this day (default: the next such time)')
      .option('--time-zone <zone>', "the campaign's time zone (contacts without one use it)", 'UTC')
      .option('--window <HH:MM-HH:MM>', 'send only between these local times each day')
      .option('--spread-hours <n>', 'spread the sends over this many hours');
  withSchedule(
    campaign
      .command('create')
      .description('create a draft campaign')
      .requiredOption('--name <name>')
      .requiredOption('--from <from>', 'sender, "Name <address>"')
      .requiredOption('--list <name>', 'a list to send to (repeatable)', collect)
      .option('--template <name>', 'the template to use')
      .option('--html-file <file>', 'or content of its own (HTML or MJML with Liquid)')
      .option('--subject <subject>', "Liquid; the template's when left out")
      .option('--reply-to <address>')
      .option('--server <name>', 'the server to send with (default: the bulk_server setting, else normal routing)'),
  ).action(async (flags: ScheduleFlags & { name: string; from: string; list: string[]; template?: string; htmlFile?: string; subject?: string; replyTo?: string; server?: string }, command: Command) =>
    withApp(command, async (app, out) => {
      const row = await createCampaign(
        app,
        {
          name: flags.name,
          from: flags.from,
          lists: flags.list,
          template: flags.template,
          html: flags.htmlFile ? readText(flags.htmlFile, '--html-file') : undefined,
          subject: flags.subject,
          replyTo: flags.replyTo,
          server: flags.server,
          schedule: scheduleOf(flags),
        },
        null,
      );
      out.print({ id: row.id, name: row.name, status: row.status }, () => `created draft campaign "${row.name}" (${row.id}); start it with: postroom campaign send ${row.id}`);
    }),
  );
  campaign
    .command('send')
    .description('start a draft campaign (now, or when its schedule says); its messages are queued here')
    .argument('<campaign>', 'id or name')
    .action(async (id: string, _flags: unknown, command: Command) =>
      withApp(command, async (app, out) => {
        const started = Date.now();
        const row = await startCampaign({ store: app.store, clock: app.clock, lifetimeMs: app.config.retry.lifetimeMs }, id, { expand: true });
        const seconds = (Date.now() - started) / 1000;
        out.print({ id: row.id, status: row.status, total: row.total, expandSeconds: seconds }, () => `queued ${row.total} messages for "${row.name}" in ${seconds.toFixed(1)} s; workers send them (postroom campaign status ${row.id})`);
      }),
    );
  withSchedule(
    campaign
      .command('schedule')
      .description("set a draft's schedule (--at, or --local-time in each contact's zone) and start it: its messages wait in the spool until due")
      .argument('<campaign>', 'id or name'),
  ).action(async (id: string, flags: ScheduleFlags, command: Command) =>
    withApp(command, async (app, out) => {
      await rescheduleCampaign(app.store, app.clock, id, scheduleOf(flags));
      const row = await startCampaign({ store: app.store, clock: app.clock, lifetimeMs: app.config.retry.lifetimeMs }, id, { expand: true });
      const due = await app.store.db
        .selectFrom('recipients')
        .innerJoin('messages', 'messages.id', 'recipients.message_id')
        .select((eb) => [eb.fn.min('recipients.next_attempt_at').as('first'), eb.fn.max('recipients.next_attempt_at').as('last')])
        .where('messages.campaign_id', '=', row.id)
        .executeTakeFirstOrThrow();
      const when = (ms: unknown) => (ms === null ? null : new Date(Number(ms)).toISOString());
      out.print({ id: row.id, status: row.status, total: row.total, firstDue: when(due.first), lastDue: when(due.last) }, () => `scheduled ${row.total} messages for "${row.name}": the first due ${when(due.first)}, the last ${when(due.last)}`);
    }),
  );
  const change = (name: string, description: string, run: (app: Parameters<Parameters<typeof withApp>[1]>[0], id: string) => Promise<unknown>) =>
    campaign
      .command(name)
      .description(description)
      .argument('<campaign>', 'id or name')
      .action(async (id: string, _flags: unknown, command: Command) =>
        withApp(command, async (app, out) => {
          await run(app, id);
          const p = await campaignProgress(app.store, await findCampaign(app.store, id), app.clock.now());
          out.print(p, () => progressLine(p));
        }),
      );
  change('pause', 'pause: messages in flight finish, the rest wait', (app, id) => pauseCampaign(app.store, app.clock, id));
  change('resume', 'resume a paused campaign', (app, id) => resumeCampaign(app.store, app.clock, id));
  change('cancel', 'cancel everything not sent yet', (app, id) => cancelCampaign(app.store, app.clock, id));
  change('retry-failed', 'queue the failed recipients again (only those)', (app, id) => retryFailedRecipients(app.store, app.clock, id, app.config.retry.lifetimeMs));
  campaign
    .command('status')
    .description("a campaign's progress")
    .argument('<campaign>', 'id or name')
    .action(async (id: string, _flags: unknown, command: Command) =>
      withApp(command, async (app, out) => {
        await advanceCampaigns(app.store, app.clock);
        const row = await findCampaign(app.store, id);
        const p = await campaignProgress(app.store, row, app.clock.now());
        const { readDeliverability } = await import('../feedback/deliverability.js');
        const [d] = await readDeliverability(app.store, { by: 'campaign', campaignId: row.id });
        const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
        const rates = d
          ? `delivered ${pct(d.rates.deliveryRate)}, bounced ${pct(d.rates.bounceRate)} (hard ${pct(d.rates.hardBounceRate)}), complaints ${pct(d.rates.complaintRate)}, opened ${pct(d.rates.openRate)}, clicked ${pct(d.rates.clickRate)}, unsubscribed ${pct(d.rates.unsubscribeRate)}`
          : null;
        out.print({ ...p, pauseReason: row.pause_reason, deliverability: d ?? null }, () => [progressLine(p), rates, row.pause_reason].filter(Boolean).join('\n'));
      }),
    );
  campaign
    .command('report')
    .description('each recipient with its state, last SMTP answer, bounce, and whether they opened, clicked or unsubscribed, as CSV')
    .argument('<campaign>', 'id or name')
    .option('--output <file>', 'write to this file instead of standard output')
    .action(async (id: string, flags: { output?: string }, command: Command) =>
      withApp(command, async (app) => {
        const row = await findCampaign(app.store, id);
        await writeOutput(flags.output, 'recipients', (out) => writeCampaignReport(app.store, row, out));
      }),
    );
  return campaign;
}
