/**
 * Which of our recipients a report speaks of. A VERP return path names the recipient exactly
 * (the report came back to `bounce+TOKEN@…`); without one — a bounce to a plain address, or a
 * complaint forwarded by a mailbox provider — the original's Message-ID names the message and
 * the report's own recipient address picks the recipient within it. A report that matches
 * nothing of ours is still kept, unmatched: it may be backscatter, and it suppresses nobody.
 */
import type { Transaction } from 'kysely';
import type { Database, RecipientRow } from '../store/index.js';
import type { FeedbackRecipient, FeedbackReport } from './types.js';

export interface Matched {
  row: FeedbackRecipient;
  recipient: (RecipientRow & { campaign_id: string | null }) | null;
}

export async function matchReport(trx: Transaction<Database>, report: FeedbackReport, verpRecipientIds: string[]): Promise<Matched[]> {
  const select = trx
    .selectFrom('recipients')
    .innerJoin('messages', 'messages.id', 'recipients.message_id')
    .selectAll('recipients')
    .select('messages.campaign_id');
  let candidates: Matched['recipient'][] = [];
  if (verpRecipientIds.length > 0) candidates = await select.where('recipients.id', 'in', verpRecipientIds).execute();
  if (candidates.length === 0 && report.originalMessageId) {
    const id = report.originalMessageId.replace(/^<|>$/g, '');
    candidates = await select.where('messages.message_id_header', 'in', [`<${id}>`, id]).execute();
  }
  return report.recipients.map((row) => {
    const address = row.recipient?.toLowerCase() ?? null;
    const same = address ? candidates.find((c) => c!.address.toLowerCase() === address) : undefined;
    // One candidate and a report that names another address (an alias, a forward) or none: it is that one.
    const only = candidates.length === 1 && (verpRecipientIds.length > 0 || !address) ? candidates[0] : undefined;
    return { row, recipient: same ?? only ?? null };
  });
}
