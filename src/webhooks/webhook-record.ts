/** An endpoint as the API shows it, and who may see it: its owner, or any admin. */
import type { Store, WebhookRow } from '../store/index.js';
import type { Clock } from '../lib/clock.js';
import type { SecretBox } from '../servers/index.js';
import type { User } from '../users/index.js';
import { getSettings } from '../servers/index.js';
import type { ResolveHost } from './check-url.js';

export interface WebhooksContext {
  store: Store;
  clock: Clock;
  secrets: SecretBox;
  /** How URLs' hosts are resolved when saved (node:dns by default). */
  resolve?: ResolveHost;
}

export interface WebhookView {
  id: string;
  userId: string;
  url: string;
  events: string[];
  active: boolean;
  createdAt: string;
  updatedAt: string;
}

export function webhookView(row: WebhookRow): WebhookView {
  return {
    id: row.id,
    userId: row.user_id,
    url: row.url,
    events: JSON.parse(row.events) as string[],
    active: row.active === 1,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

/** The endpoint if this user may see it; otherwise null, so callers answer 404 as if it did not exist. */
export async function findVisibleWebhook(store: Store, user: Pick<User, 'id' | 'role'>, id: string): Promise<WebhookRow | null> {
  const row = await store.db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row || (user.role !== 'admin' && row.user_id !== user.id)) return null;
  return row;
}

/** Whether an admin has allowed webhook URLs on loopback, link-local and private addresses. */
export async function privateAddressesAllowed(store: Store): Promise<boolean> {
  return (await getSettings(store)).webhooks_allow_private === 'true';
}
