/** Retention's table (migration 0013-retention): outcome events of pruned messages, counted per minute. */
import type { Selectable } from 'kysely';

export interface EventCountsTable {
  /** Start of the minute, epoch milliseconds. */
  minute: number;
  /** sent, deferred, failed or expired. */
  type: string;
  /** '' when the event named none. */
  server_id: string;
  /** The message's user; '' for none. */
  user_id: string;
  /** The message's campaign; '' for none. */
  campaign_id: string;
  n: number;
}

export type EventCountRow = Selectable<EventCountsTable>;
