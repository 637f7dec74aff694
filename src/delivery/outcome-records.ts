import type { RecipientRow } from '../store/index.js';
import type { Outcome, OutcomeRecord } from '../spool/index.js';

interface HasRecipients {
  recipients: RecipientRow[];
}

/** One recipient's outcome, as the spool records it. */
export function outcomeFor(recipient: RecipientRow, serverId: string | null, outcome: Outcome): OutcomeRecord {
  return { recipientId: recipient.id, messageId: recipient.message_id, address: recipient.address, attempts: recipient.attempts, serverId, outcome };
}

/** The same outcome for every recipient of the attempt. */
export function every(attempt: HasRecipients, serverId: string | null, outcome: Outcome): OutcomeRecord[] {
  return attempt.recipients.map((r) => outcomeFor(r, serverId, outcome));
}
