/**
 * The pre-send check of a message (its raw bytes), a campaign or a template: the sending path's
 * authentication (DKIM, SPF, DMARC for its From) and the content checks, each with a penalty and
 * an explanation, and the overall score. Campaigns and templates are checked as one of their
 * messages: rendered for a contact of the audience (or sample values) and composed as sent.
 */
import type { Store } from '../store/index.js';
import { parseMailbox, type Mailbox } from '../spool/index.js';
import { findCampaign } from '../campaigns/create-campaign.js';
import { findTemplate } from '../campaigns/manage-templates.js';
import { contactScope, prepareTemplate, renderTemplate, type PreparedTemplate } from '../campaigns/render-template.js';
import { composeCampaignMessage } from '../campaigns/compose-campaign-message.js';
import { InputError } from '../lib/input-error.js';
import type { DnsLookup } from './dns.js';
import { checkSendingPath } from './check-sending-path.js';
import { checkContent, contentInputOf, loadSpamPhrases, overallScore, type PresendCheck } from './presend/index.js';

export interface PresendReport {
  /** What was checked: `message`, `campaign cmp_…`, `template tpl_…`. */
  target: string;
  from: string;
  subject: string;
  score: number;
  verdict: 'good' | 'fair' | 'poor';
  checks: PresendCheck[];
}

export interface PresendDeps {
  store: Store;
  dataDir: string;
}

const SAMPLE = { email: 'someone@example.com', name: 'Sample Contact', fields: '{}', time_zone: null };

function mailbox(header: string, field: string): Mailbox {
  const parsed = parseMailbox(header);
  if (typeof parsed === 'string') throw new InputError(field, parsed);
  return parsed;
}

/** One message of a campaign or template as it would be sent to `who`. */
function sampleMessage(template: PreparedTemplate, who: { email: string; name: string; fields: string; time_zone: string | null }, from: Mailbox, replyTo: Mailbox | null, id: string): Buffer {
  const rendered = renderTemplate(template, contactScope(who));
  return composeCampaignMessage({
    from,
    to: { name: who.name, address: who.email },
    replyTo,
    subject: rendered.subject,
    messageId: `<presend.${id}@${from.address.slice(from.address.lastIndexOf('@') + 1)}>`,
    date: new Date(),
    text: rendered.text,
    html: rendered.html,
  });
}

export async function presendMessage(deps: PresendDeps, raw: Buffer, dns: DnsLookup, target = 'message', bulk?: boolean): Promise<PresendReport> {
  const input = await contentInputOf(raw, bulk);
  const fromHeader = input.headers.find((h) => h.name.toLowerCase() === 'from')?.value ?? '';
  const from = parseMailbox(fromHeader);
  if (typeof from === 'string') throw new InputError('from', `the message's From header ${from}`);
  const checks = [...(await checkSendingPath(deps.store, from.address, dns)), ...checkContent(input, loadSpamPhrases(deps.dataDir))];
  return { target, from: from.address, subject: input.subject, ...overallScore(checks), checks };
}

/** One of the campaign's messages: for the first subscribed contact of its lists, else sample values. */
export async function presendCampaign(deps: PresendDeps, idOrName: string, dns: DnsLookup): Promise<PresendReport> {
  const campaign = await findCampaign(deps.store, idOrName);
  const listIds = JSON.parse(campaign.list_ids) as string[];
  const contact =
    listIds.length > 0
      ? await deps.store.db
          .selectFrom('contacts')
          .innerJoin('list_members', 'list_members.contact_id', 'contacts.id')
          .select(['contacts.email', 'contacts.name', 'contacts.fields', 'contacts.time_zone'])
          .where('list_members.list_id', 'in', listIds)
          .where('contacts.status', '=', 'subscribed')
          .orderBy('contacts.id')
          .limit(1)
          .executeTakeFirst()
      : undefined;
  const who = contact ?? SAMPLE;
  const replyTo = campaign.reply_to ? mailbox(campaign.reply_to, 'replyTo') : null;
  const raw = sampleMessage(prepareTemplate(campaign), who, mailbox(campaign.from_header, 'from'), replyTo, campaign.id);
  return presendMessage(deps, raw, dns, `campaign ${campaign.id}`, true);
}

/** The template sent From `from`, rendered with sample values. */
export async function presendTemplate(deps: PresendDeps, idOrName: string, fromHeader: string, dns: DnsLookup): Promise<PresendReport> {
  const template = await findTemplate(deps.store, idOrName);
  const raw = sampleMessage(prepareTemplate(template), SAMPLE, mailbox(fromHeader, 'from'), null, template.id);
  return presendMessage(deps, raw, dns, `template ${template.id}`, true);
}
