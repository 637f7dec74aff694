/** The delivery log of one endpoint: every event sent (or being sent) to it, newest first. */
import type { Store, WebhookDeliveryRow, WebhookDeliveryStatus } from '../store/index.js';

export interface DeliveryView {
  id: string;
  webhookId: string;
  eventId: string;
  type: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  /** When the next attempt is due (null once delivered or failed). */
  nextAttemptAt: string | null;
  firstAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
  /** The JSON body every attempt sends. */
  payload: unknown;
}

export function deliveryView(row: WebhookDeliveryRow): DeliveryView {
  const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
  return {
    id: row.id,
    webhookId: row.webhook_id,
    eventId: row.event_id,
    type: row.event_type,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.status === 'pending' ? iso(row.next_attempt_at) : null,
    firstAttemptAt: iso(row.first_attempt_at),
    lastStatusCode: row.last_status_code,
    lastError: row.last_error,
    createdAt: iso(row.created_at)!,
    updatedAt: iso(row.updated_at)!,
    payload: JSON.parse(row.payload) as unknown,
  };
}

export interface DeliveryFilter {
  status?: WebhookDeliveryStatus | undefined;
  /** Deliveries before this id (the previous page's last). */
  before?: string | undefined;
  limit: number;
}

export async function listDeliveries(store: Store, webhookId: string, filter: DeliveryFilter): Promise<WebhookDeliveryRow[]> {
  let query = store.db.selectFrom('webhook_deliveries').selectAll().where('webhook_id', '=', webhookId).orderBy('id', 'desc').limit(filter.limit);
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.before) query = query.where('id', '<', filter.before);
  return query.execute();
}
