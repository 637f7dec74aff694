/**
 * Campaign messages are rendered when a worker claims them, not when they are queued: the
 * campaign's template is parsed once per worker (and kept), each message rendered from its own
 * contact's values, and composed directly (see compose-campaign-message.ts).
 *
 * With the tracking key, each message also gets its own signed links (tracking/): the open pixel
 * and click links as its campaign asks (track_opens, track_clicks) when a tracking base is set,
 * and List-Unsubscribe headers (RFC 2369, RFC 8058) when a tracking base or a bounce domain is.
 * Templates may place `{{ unsubscribe_url }}`. Settings are read once per `render` call.
 */
import type { Store, MessageRow, CampaignRow } from '../store/index.js';
import type { SecretBox } from '../servers/secret-box.js';
import { getSettings, trackingBase } from '../servers/settings.js';
import { parseMailbox, type Mailbox } from '../spool/index.js';
import { listUnsubscribeHeaders, trackHtml, trackingTokens, unsubscribeAddress, type TrackingTokens } from '../tracking/index.js';
import { composeCampaignMessage } from './compose-campaign-message.js';
import { contactScope, prepareTemplate, renderTemplate, type PreparedTemplate } from './render-template.js';

interface Prepared {
  template: PreparedTemplate;
  from: Mailbox;
  replyTo: Mailbox | null;
  trackOpens: boolean;
  trackClicks: boolean;
}

export interface CampaignRenderer {
  /** The raw message of each campaign message given, by message id. */
  render(messages: MessageRow[]): Promise<Map<string, Buffer>>;
}

export interface CampaignRendererOptions {
  /** Signs tracking and unsubscribe links (`derive('tracking')`); without it messages carry none. */
  secrets?: Pick<SecretBox, 'derive'>;
}

/** Where this batch's links point; nulls when unset. */
interface Links {
  tokens: TrackingTokens;
  base: string | null;
  bounceDomain: string | null;
}

const KEEP = 32;

const mailbox = (header: string): Mailbox => {
  const parsed = parseMailbox(header);
  if (typeof parsed === 'string') throw new Error(`stored address "${header}" ${parsed}`);
  return parsed;
};

export function createCampaignRenderer(store: Store, options: CampaignRendererOptions = {}): CampaignRenderer {
  const prepared = new Map<string, Prepared>();
  const tokens = options.secrets ? trackingTokens(options.secrets.derive('tracking')) : null;

  async function campaignsOf(ids: string[]): Promise<Map<string, Prepared>> {
    const missing = ids.filter((id) => !prepared.has(id));
    if (missing.length > 0) {
      const rows: CampaignRow[] = await store.db.selectFrom('campaigns').selectAll().where('id', 'in', missing).execute();
      for (const row of rows) {
        if (prepared.size >= KEEP) prepared.delete(prepared.keys().next().value!);
        prepared.set(row.id, {
          template: prepareTemplate(row),
          from: mailbox(row.from_header),
          replyTo: row.reply_to ? mailbox(row.reply_to) : null,
          trackOpens: row.track_opens === 1,
          trackClicks: row.track_clicks === 1,
        });
      }
    }
    return prepared;
  }

  async function linksNow(): Promise<Links | null> {
    if (!tokens) return null;
    const settings = await getSettings(store);
    const base = trackingBase(settings);
    return base || settings.bounce_domain ? { tokens, base, bounceDomain: settings.bounce_domain } : null;
  }

  return {
    async render(messages) {
      const out = new Map<string, Buffer>();
      if (messages.length === 0) return out;
      const [campaigns, links] = await Promise.all([campaignsOf([...new Set(messages.map((m) => m.campaign_id!))]), linksNow()]);
      const contactIds = [...new Set(messages.map((m) => m.contact_id).filter((id): id is string => id !== null))];
      const contacts = new Map<string, { email: string; name: string; fields: string; time_zone: string | null }>();
      for (let i = 0; i < contactIds.length; i += 500) {
        const rows = await store.db.selectFrom('contacts').select(['id', 'email', 'name', 'fields', 'time_zone']).where('id', 'in', contactIds.slice(i, i + 500)).execute();
        for (const row of rows) contacts.set(row.id, row);
      }
      for (const message of messages) {
        const campaign = campaigns.get(message.campaign_id!);
        if (!campaign) continue;
        const to = mailbox(message.to_header);
        // A contact removed since expansion still gets their own address, and nothing of anyone else.
        const contact = (message.contact_id && contacts.get(message.contact_id)) || { email: to.address, name: to.name, fields: '{}', time_zone: null };
        const unsubscribe = links && links.tokens.signUnsubscribe(message.id);
        const unsubscribeUrl = !links || !unsubscribe ? '' : links.base ? `${links.base}/u/${unsubscribe}` : `mailto:${unsubscribeAddress(unsubscribe, links.bounceDomain!)}`;
        const rendered = renderTemplate(campaign.template, { ...contactScope(contact), unsubscribe_url: unsubscribeUrl });
        const html =
          links?.base && (campaign.trackOpens || campaign.trackClicks)
            ? trackHtml(rendered.html, { base: links.base, messageId: message.id, opens: campaign.trackOpens, clicks: campaign.trackClicks, tokens: links.tokens })
            : rendered.html;
        out.set(
          message.id,
          composeCampaignMessage({
            from: campaign.from,
            to,
            replyTo: campaign.replyTo,
            subject: message.subject,
            messageId: message.message_id_header,
            date: new Date(Number(message.created_at)),
            text: rendered.text,
            html,
            headers: links && unsubscribe ? listUnsubscribeHeaders(links.base, links.bounceDomain, unsubscribe) : [],
          }),
        );
      }
      return out;
    },
  };
}
