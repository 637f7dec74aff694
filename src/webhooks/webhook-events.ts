/**
 * The names webhooks use for events. The event log speaks of one message's history (`sent`,
 * `expired`); a webhook subscriber asks "what happened to my message", so both ways of failing
 * arrive as `message.failed` (the payload's `data.type` still says which).
 */
import type { EventType } from '../store/index.js';

/**
 * What an endpoint may subscribe to. Bounces, complaints, tracking, campaigns and server pauses
 * are named now so subscriptions can be set up ahead; they arrive once those parts record them.
 */
export const WEBHOOK_EVENT_TYPES = [
  'message.queued',
  'message.sent',
  'message.deferred',
  'message.failed',
  'message.cancelled',
  'message.retried',
  'message.held',
  'message.bounced',
  'message.complained',
  'message.opened',
  'message.clicked',
  'message.unsubscribed',
  'campaign.finished',
  'server.paused',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

const RENAMED: Partial<Record<EventType, WebhookEventType>> = { expired: 'message.failed', campaign_finished: 'campaign.finished' };

/** The webhook name of an event log type: `sent` → `message.sent`, `expired` → `message.failed`. */
export function webhookEventType(type: EventType): string {
  return RENAMED[type] ?? `message.${type}`;
}
