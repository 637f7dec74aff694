import { randomBytes } from 'node:crypto';
import type { User } from '../users/index.js';
import { newId } from '../lib/ids.js';
import { checkWebhookUrl } from './check-url.js';
import { privateAddressesAllowed, webhookView, type WebhooksContext, type WebhookView } from './webhook-record.js';
import type { WebhookEventType } from './webhook-events.js';

export interface NewWebhook {
  url: string;
  events: WebhookEventType[];
  active?: boolean;
}

/**
 * Adds an endpoint for this user. The signing secret (`whsec_` + 32 random bytes) is returned
 * here only; it is stored sealed and shown again to no one.
 */
export async function createWebhook(ctx: WebhooksContext, user: Pick<User, 'id'>, input: NewWebhook): Promise<WebhookView & { secret: string }> {
  const url = await checkWebhookUrl(input.url, await privateAddressesAllowed(ctx.store), ctx.resolve);
  const secret = `whsec_${randomBytes(32).toString('base64url')}`;
  const now = ctx.clock.now();
  const row = {
    id: newId('whk', now),
    user_id: user.id,
    url,
    events: JSON.stringify([...new Set(input.events)]),
    secret: ctx.secrets.seal(secret),
    active: input.active === false ? 0 : 1,
    created_at: now,
    updated_at: now,
  };
  await ctx.store.db.insertInto('webhooks').values(row).execute();
  return { ...webhookView(row), secret };
}
