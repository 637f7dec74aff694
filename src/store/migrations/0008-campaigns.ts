/**
 * Campaigns and segments. A campaign's recipients are ordinary spool rows — one message per contact, made
 * when the campaign is expanded — so routing, limits, retries and the event log treat campaign
 * mail like any other. Such a message has no stored content: it is rendered at send time from the
 * campaign's template and its contact (`messages.campaign_id`, `messages.contact_id`).
 *
 * `recipients.priority` keeps campaign traffic from starving transactional mail: 0 is claimed
 * before 1. A paused campaign's waiting recipients have the status `paused`, which no worker
 * claims; resuming puts them back as they were.
 */
import { sql, type Kysely } from 'kysely';
import { dialectOf } from '../dialect.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  const time = dialectOf(db) === 'postgres' ? 'bigint' : 'integer';
  await db.schema
    .createTable('campaigns')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text')
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('from_header', 'text', (c) => c.notNull())
    .addColumn('from_address', 'text', (c) => c.notNull())
    .addColumn('reply_to', 'text')
    .addColumn('template_id', 'text')
    .addColumn('html', 'text', (c) => c.notNull())
    .addColumn('text', 'text')
    .addColumn('text_generated', 'text', (c) => c.notNull())
    .addColumn('list_ids', 'text', (c) => c.notNull())
    .addColumn('segment_id', 'text')
    .addColumn('server_id', 'text')
    .addColumn('schedule', 'text', (c) => c.notNull())
    .addColumn('total', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('expand_cursor', 'text')
    .addColumn('expanded', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .addColumn('started_at', time)
    .addColumn('finished_at', time)
    .execute();
  await db.schema.createIndex('campaigns_status').on('campaigns').columns(['status', 'id']).execute();

  await db.schema.alterTable('messages').addColumn('campaign_id', 'text').execute();
  await db.schema.alterTable('messages').addColumn('contact_id', 'text').execute();
  await db.schema.createIndex('messages_campaign').on('messages').columns(['campaign_id', 'id']).execute();
  // Segments ask what happened to a contact's messages ("opened any campaign in the last 30 days").
  await db.schema.createIndex('messages_contact').on('messages').columns(['contact_id', 'id']).execute();

  await db.schema
    .createTable('segments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('definition', 'text', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .execute();

  await db.schema.alterTable('recipients').addColumn('priority', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema
    .createIndex('recipients_due_priority')
    .on('recipients')
    .columns(['priority', 'next_attempt_at'])
    .where(sql.ref('status'), 'in', ['queued', 'deferred', 'sending'])
    .execute();
}
