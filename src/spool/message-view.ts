import type { MessageDetail } from './read-messages.js';
import { eventView } from './read-events.js';

/** A message as people and programs read it (`queue show --json`, `GET /api/v1/messages/:id`). */
export function messageView(detail: MessageDetail) {
  const { message, recipients, events } = detail;
  return {
    id: message.id,
    status: message.status,
    from: message.from_header,
    to: message.to_header,
    replyTo: message.reply_to,
    subject: message.subject,
    tags: JSON.parse(message.tags) as string[],
    metadata: JSON.parse(message.metadata) as Record<string, unknown>,
    server: message.server_name,
    messageId: message.message_id_header,
    size: message.size,
    createdAt: new Date(message.created_at).toISOString(),
    expiresAt: new Date(message.expires_at).toISOString(),
    /** When `postroom prune` deleted its content and events; null: all kept. */
    contentPrunedAt: message.pruned_at === null ? null : new Date(message.pruned_at).toISOString(),
    recipients: recipients.map((r) => ({
      address: r.address,
      kind: r.kind,
      status: r.status,
      attempts: r.attempts,
      nextAttemptAt: r.status === 'queued' || r.status === 'deferred' ? new Date(r.next_attempt_at).toISOString() : null,
      code: r.last_code,
      enhancedCode: r.last_enhanced,
      response: r.last_response,
    })),
    events: events.map(eventView),
  };
}

export type MessageView = ReturnType<typeof messageView>;
