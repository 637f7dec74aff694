import type { Store } from '../store/index.js';
import type { User } from '../users/index.js';
import { webhookView, type WebhookView } from './webhook-record.js';

/** A sender's own endpoints; every endpoint for an admin. Oldest first. */
export async function listWebhooks(store: Store, user: Pick<User, 'id' | 'role'>): Promise<WebhookView[]> {
  let query = store.db.selectFrom('webhooks').selectAll().orderBy('id');
  if (user.role !== 'admin') query = query.where('user_id', '=', user.id);
  return (await query.execute()).map(webhookView);
}
