/**
 * Rendering a batch of campaign messages from what the database said about them — the
 * campaigns' content, each message's contact — with no database of its own, so the same code
 * runs on the worker's main thread or on a build thread (delivery/build-pool.ts) while the main
 * thread goes on with the spool and the SMTP sessions.
 *
 * Each campaign's template is parsed once (and kept, by campaign and version); each message is
 * rendered from its own contact's values, gets its own signed links (tracking/) — the open
 * pixel and click links as its campaign asks when a tracking base is set, List-Unsubscribe
 * (RFC 2369, RFC 8058) when a tracking base or a bounce domain is — and is composed directly
 * (compose-campaign-message.ts). Templates may place `{{ unsubscribe_url }}`.
 */
import { parseMailbox, type Mailbox } from '../spool/addresses.js';
import { listUnsubscribeHeaders, trackHtml, trackingTokens, unsubscribeAddress } from '../tracking/index.js';
import { composeCampaignMessage } from './compose-campaign-message.js';
import { contactScope, prepareTemplate, renderTemplate, type PreparedTemplate } from './render-template.js';

export interface BatchCampaign {
  id: string;
  /** Changes when the campaign's content does: the parsed template is kept per version. */
  version: number;
  subject: string;
  html: string;
  text: string | null;
  text_generated: string;
  from: Mailbox;
  replyTo: Mailbox | null;
  trackOpens: boolean;
  trackClicks: boolean;
}

export interface BatchContact {
  email: string;
  name: string;
  fields: string;
  time_zone: string | null;
}

export interface BatchMessage {
  id: string;
  campaignId: string;
  toHeader: string;
  subject: string;
  messageIdHeader: string;
  createdAt: number;
  /** Null when the contact was removed since expansion: the message still gets its own address, and nothing of anyone else. */
  contact: BatchContact | null;
}

export interface RenderBatch {
  campaigns: BatchCampaign[];
  messages: BatchMessage[];
  /** Where this batch's links point (settings read by the caller); null: no links at all. */
  links: { base: string | null; bounceDomain: string | null } | null;
}

/** Message id and its bytes, for each message whose campaign was given. */
export type RenderedBatch = Array<[string, Buffer]>;

const KEEP = 32;

/** A mailbox as the spool stored it (checked when it was queued, so a bad one is a bug). */
export function storedMailbox(header: string): Mailbox {
  const parsed = parseMailbox(header);
  if (typeof parsed === 'string') throw new Error(`stored address "${header}" ${parsed}`);
  return parsed;
}

/** A renderer holding its parsed templates; `trackingKey` signs the links (without it there are none). */
export function createBatchRenderer(trackingKey: Buffer | null): (batch: RenderBatch) => RenderedBatch {
  const tokens = trackingKey ? trackingTokens(trackingKey) : null;
  const templates = new Map<string, PreparedTemplate>();
  const templateOf = (c: BatchCampaign): PreparedTemplate => {
    const key = `${c.id}:${c.version}`;
    let template = templates.get(key);
    if (!template) {
      if (templates.size >= KEEP) templates.delete(templates.keys().next().value!);
      template = prepareTemplate(c);
      templates.set(key, template);
    }
    return template;
  };

  return (batch) => {
    const campaigns = new Map(batch.campaigns.map((c) => [c.id, c]));
    const links = tokens && batch.links && (batch.links.base || batch.links.bounceDomain) ? batch.links : null;
    const out: RenderedBatch = [];
    for (const message of batch.messages) {
      const campaign = campaigns.get(message.campaignId);
      if (!campaign) continue;
      const to = storedMailbox(message.toHeader);
      const contact = message.contact ?? { email: to.address, name: to.name, fields: '{}', time_zone: null };
      const unsubscribe = links && tokens ? tokens.signUnsubscribe(message.id) : null;
      const unsubscribeUrl = !links || !unsubscribe ? '' : links.base ? `${links.base}/u/${unsubscribe}` : `mailto:${unsubscribeAddress(unsubscribe, links.bounceDomain!)}`;
      const rendered = renderTemplate(templateOf(campaign), { ...contactScope(contact), unsubscribe_url: unsubscribeUrl });
      const html =
        links?.base && tokens && (campaign.trackOpens || campaign.trackClicks)
          ? trackHtml(rendered.html, { base: links.base, messageId: message.id, opens: campaign.trackOpens, clicks: campaign.trackClicks, tokens })
          : rendered.html;
      const raw = composeCampaignMessage({
        from: campaign.from,
        to,
        replyTo: campaign.replyTo,
        subject: message.subject,
        messageId: message.messageIdHeader,
        date: new Date(message.createdAt),
        text: rendered.text,
        html,
        headers: links && unsubscribe ? listUnsubscribeHeaders(links.base, links.bounceDomain, unsubscribe) : [],
      });
      out.push([message.id, raw]);
    }
    return out;
  };
}
