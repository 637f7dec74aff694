import type { User } from '../users/index.js';
import { checkWebhookUrl } from './check-url.js';
import { findVisibleWebhook, privateAddressesAllowed, webhookView, type WebhooksContext, type WebhookView } from './webhook-record.js';
import type { WebhookEventType } from './webhook-events.js';

export interface WebhookChanges {
  url?: string | undefined;
  events?: WebhookEventType[] | undefined;
  active?: boolean | undefined;
}

/** Changes the given fields of an endpoint this user may see; null when there is no such endpoint. */
export async function updateWebhook(ctx: WebhooksContext, user: Pick<User, 'id' | 'role'>, id: string, changes: WebhookChanges): Promise<WebhookView | null> {
  const current = await findVisibleWebhook(ctx.store, user, id);
  if (!current) return null;
  const url = changes.url === undefined ? current.url : await checkWebhookUrl(changes.url, await privateAddressesAllowed(ctx.store), ctx.resolve);
  const set = {
    url,
    events: changes.events === undefined ? current.events : JSON.stringify([...new Set(changes.events)]),
    active: changes.active === undefined ? current.active : changes.active ? 1 : 0,
    updated_at: ctx.clock.now(),
  };
  await ctx.store.db.updateTable('webhooks').set(set).where('id', '=', current.id).execute();
  return webhookView({ ...current, ...set });
}
