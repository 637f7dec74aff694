/**
 * A 5xx during delivery is a bounce too, only a synchronous one: each such failure is written
 * to `feedback` (source `smtp`) with the reason the bounce rules give it, in the same
 * transaction as the recipient's outcome, and may suppress the address (bounce-suppression.ts).
 */
import type { AfterOutcomes, OutcomeRecord } from '../spool/index.js';
import type { FeedbackSettings } from '../servers/index.js';
import { newId } from '../lib/ids.js';
import { suppressAfterBounces } from './bounce-suppression.js';

export function recordDeliveryBounces(settings: () => FeedbackSettings): AfterOutcomes {
  return async (trx, applied, now) => {
    const bounced = applied.filter((r): r is OutcomeRecord & { outcome: { kind: 'failed'; bounce: { reason: string; hard: boolean } } } => r.outcome.kind === 'failed' && r.outcome.bounce !== undefined);
    if (bounced.length === 0) return;
    const ids = [...new Set(bounced.map((r) => r.messageId))];
    const campaigns = new Map<string, string | null>();
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await trx.selectFrom('messages').select(['id', 'campaign_id']).where('id', 'in', ids.slice(i, i + 500)).execute();
      for (const row of rows) campaigns.set(row.id, row.campaign_id);
    }
    const rows = bounced.map((r) => {
      const answer = r.outcome.answer;
      const address = r.address.toLowerCase();
      return {
        id: newId('fbk', now),
        kind: 'bounce' as const,
        source: 'smtp' as const,
        message_id: r.messageId,
        recipient_id: r.recipientId,
        campaign_id: campaigns.get(r.messageId) ?? null,
        server_id: r.serverId,
        address,
        domain: address.slice(address.lastIndexOf('@') + 1),
        reason: r.outcome.bounce.reason,
        hard: r.outcome.bounce.hard ? 1 : 0,
        status: answer?.enhanced ?? null,
        code: answer?.code ?? null,
        diagnostic: (answer?.text ?? r.outcome.reason).slice(0, 1000),
        feedback_type: null,
        inbound_id: null,
        created_at: now,
      };
    });
    for (let i = 0; i < rows.length; i += 200) await trx.insertInto('feedback').values(rows.slice(i, i + 200)).execute();
    await suppressAfterBounces(
      trx,
      bounced.map((r) => ({ address: r.address, reason: r.outcome.bounce.reason, hard: r.outcome.bounce.hard, messageId: r.messageId, detail: `${r.outcome.bounce.reason}: ${r.outcome.reason}` })),
      settings(),
      now,
    );
  };
}
