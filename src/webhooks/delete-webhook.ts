import type { Store } from '../store/index.js';
import type { User } from '../users/index.js';
import { findVisibleWebhook } from './webhook-record.js';

/**
 * Removes an endpoint this user may see, with its delivery log; false when there is no such
 * endpoint. A delivery in flight at that moment finishes, and its result is dropped.
 */
export async function deleteWebhook(store: Store, user: Pick<User, 'id' | 'role'>, id: string): Promise<boolean> {
  const current = await findVisibleWebhook(store, user, id);
  if (!current) return false;
  await store.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('webhook_deliveries').where('webhook_id', '=', current.id).execute();
    await trx.deleteFrom('webhooks').where('id', '=', current.id).execute();
  });
  return true;
}
