/**
 * Retention (`postroom prune`): a finished message's body and events may be deleted after a
 * while, its statistics kept.
 *
 *   messages      gain `pruned_at`: when its content and events were deleted (null: never). The
 *                 row, its recipients (state, attempts, last answer), feedback and engagements
 *                 stay, so deliverability and campaign reports read the same.
 *   event_counts  the outcome events (sent, deferred, failed, expired) of pruned messages,
 *                 counted per minute, type, server, user and campaign ('' for none): what the
 *                 dashboard's hourly outcomes and a campaign's timeline read besides the
 *                 events still there
 */
import type { Kysely } from 'kysely';
import { dialectOf } from '../dialect.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  const time = dialectOf(db) === 'postgres' ? 'bigint' : 'integer';

  await db.schema.alterTable('messages').addColumn('pruned_at', time).execute();

  await db.schema
    .createTable('event_counts')
    .addColumn('minute', time, (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('server_id', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('user_id', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('campaign_id', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('n', time, (c) => c.notNull())
    .addPrimaryKeyConstraint('event_counts_pk', ['minute', 'type', 'server_id', 'user_id', 'campaign_id'])
    .execute();
  await db.schema.createIndex('event_counts_campaign').on('event_counts').columns(['campaign_id', 'minute']).execute();
}
