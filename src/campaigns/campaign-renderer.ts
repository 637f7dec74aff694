/**
 * Campaign messages are rendered when a worker claims them, not when they are queued: the
 * campaign's template is parsed once per worker (and kept), each message rendered from its own
 * contact's values, and composed directly (see compose-campaign-message.ts).
 */
import type { Store, MessageRow, CampaignRow } from '../store/index.js';
import { parseMailbox, type Mailbox } from '../spool/index.js';
import { composeCampaignMessage } from './compose-campaign-message.js';
import { contactScope, prepareTemplate, renderTemplate, type PreparedTemplate } from './render-template.js';

interface Prepared {
  template: PreparedTemplate;
  from: Mailbox;
  replyTo: Mailbox | null;
}

export interface CampaignRenderer {
  /** The raw message of each campaign message given, by message id. */
  render(messages: MessageRow[]): Promise<Map<string, Buffer>>;
}

const KEEP = 32;

const mailbox = (header: string): Mailbox => {
  const parsed = parseMailbox(header);
  if (typeof parsed === 'string') throw new Error(`stored address "${header}" ${parsed}`);
  return parsed;
};

export function createCampaignRenderer(store: Store): CampaignRenderer {
  const prepared = new Map<string, Prepared>();

  async function campaignsOf(ids: string[]): Promise<Map<string, Prepared>> {
    const missing = ids.filter((id) => !prepared.has(id));
    if (missing.length > 0) {
      const rows: CampaignRow[] = await store.db.selectFrom('campaigns').selectAll().where('id', 'in', missing).execute();
      for (const row of rows) {
        if (prepared.size >= KEEP) prepared.delete(prepared.keys().next().value!);
        prepared.set(row.id, { template: prepareTemplate(row), from: mailbox(row.from_header), replyTo: row.reply_to ? mailbox(row.reply_to) : null });
      }
    }
    return prepared;
  }

  return {
    async render(messages) {
      const out = new Map<string, Buffer>();
      if (messages.length === 0) return out;
      const campaigns = await campaignsOf([...new Set(messages.map((m) => m.campaign_id!))]);
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
        const rendered = renderTemplate(campaign.template, contactScope(contact));
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
            html: rendered.html,
          }),
        );
      }
      return out;
    },
  };
}
