/**
 * Campaign messages are rendered when a worker claims them, not when they are queued. This part
 * reads what rendering needs — the campaigns' content (kept per worker), the batch's contacts,
 * where links point (settings, once per batch) — and hands the batch to a renderer: by default
 * render-batch.ts on this thread; the delivery worker passes one that renders on a build thread.
 */
import type { Store, MessageRow, CampaignRow } from '../store/index.js';
import type { SecretBox } from '../servers/secret-box.js';
import { getSettings, trackingBase } from '../servers/settings.js';
import { createBatchRenderer, storedMailbox, type BatchCampaign, type BatchContact, type RenderBatch, type RenderedBatch } from './render-batch.js';

export interface CampaignRenderer {
  /** The raw message of each campaign message given, by message id. */
  render(messages: MessageRow[]): Promise<Map<string, Buffer>>;
}

export interface CampaignRendererOptions {
  /** Signs tracking and unsubscribe links (`derive('tracking')`); without it messages carry none. */
  secrets?: Pick<SecretBox, 'derive'>;
  /** Renders a batch somewhere else (a build thread); by default here, with render-batch.ts. */
  renderBatch?: (batch: RenderBatch) => Promise<RenderedBatch>;
}

const KEEP = 32;

function batchCampaign(row: CampaignRow): BatchCampaign {
  return {
    id: row.id,
    version: Number(row.updated_at),
    subject: row.subject,
    html: row.html,
    text: row.text,
    text_generated: row.text_generated,
    from: storedMailbox(row.from_header),
    replyTo: row.reply_to ? storedMailbox(row.reply_to) : null,
    trackOpens: row.track_opens === 1,
    trackClicks: row.track_clicks === 1,
  };
}

export function createCampaignRenderer(store: Store, options: CampaignRendererOptions = {}): CampaignRenderer {
  const campaigns = new Map<string, BatchCampaign>();
  const secrets = options.secrets;
  const inline = options.renderBatch ? null : createBatchRenderer(secrets ? secrets.derive('tracking') : null);
  const renderBatch = options.renderBatch ?? (async (batch: RenderBatch) => inline!(batch));

  async function campaignsOf(ids: string[]): Promise<BatchCampaign[]> {
    const missing = ids.filter((id) => !campaigns.has(id));
    if (missing.length > 0) {
      const rows: CampaignRow[] = await store.db.selectFrom('campaigns').selectAll().where('id', 'in', missing).execute();
      for (const row of rows) {
        if (campaigns.size >= KEEP) campaigns.delete(campaigns.keys().next().value!);
        campaigns.set(row.id, batchCampaign(row));
      }
    }
    return ids.flatMap((id) => campaigns.get(id) ?? []);
  }

  async function linksNow(): Promise<RenderBatch['links']> {
    if (!secrets) return null;
    const settings = await getSettings(store);
    const base = trackingBase(settings);
    return base || settings.bounce_domain ? { base, bounceDomain: settings.bounce_domain } : null;
  }

  return {
    async render(messages) {
      if (messages.length === 0) return new Map();
      const [batchCampaigns, links] = await Promise.all([campaignsOf([...new Set(messages.map((m) => m.campaign_id!))]), linksNow()]);
      const contactIds = [...new Set(messages.map((m) => m.contact_id).filter((id): id is string => id !== null))];
      const contacts = new Map<string, BatchContact>();
      for (let i = 0; i < contactIds.length; i += 500) {
        const rows = await store.db.selectFrom('contacts').select(['id', 'email', 'name', 'fields', 'time_zone']).where('id', 'in', contactIds.slice(i, i + 500)).execute();
        for (const { id, ...row } of rows) contacts.set(id, row);
      }
      const batch: RenderBatch = {
        campaigns: batchCampaigns,
        links,
        messages: messages.map((m) => ({
          id: m.id,
          campaignId: m.campaign_id!,
          toHeader: m.to_header,
          subject: m.subject,
          messageIdHeader: m.message_id_header,
          createdAt: Number(m.created_at),
          contact: (m.contact_id && contacts.get(m.contact_id)) || null,
        })),
      };
      return new Map(await renderBatch(batch));
    },
  };
}
