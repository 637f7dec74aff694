/**
 * The feedback loop: what comes back after mail leaves.
 *
 *   inbound_messages  every message the inbound listener or a polled mailbox accepted, kept raw
 *                     (accepted only once stored) with what processing made of it
 *   feedback          one row per recipient a bounce, complaint or auto-reply speaks of — also for
 *                     a synchronous 5xx during delivery — with its reason (sisimai's taxonomy) and
 *                     hard / soft; metrics and the soft-bounce count read it
 *   suppressions      addresses not to send to: global (scope '') or for one list (scope = list
 *                     id), why, and an optional end for soft-bounce entries
 *   engagements       opens, clicks and unsubscribes, human or machine (privacy proxies and link
 *                     scanners), for the metrics; the event log gets the human ones
 *   mailboxes         IMAP / POP3 mailboxes polled for bounces where no inbound port can be
 *                     opened; the password sealed like every other secret
 *
 * Campaigns gain per-campaign tracking switches and the reason they were paused (the guardrail
 * says why it stopped a campaign).
 */
import { sql, type Kysely } from 'kysely';
import { dialectOf } from '../dialect.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  const pg = dialectOf(db) === 'postgres';
  const time = pg ? 'bigint' : 'integer';
  const blob = pg ? 'bytea' : 'blob';

  await db.schema
    .createTable('inbound_messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('client_ip', 'text')
    .addColumn('mail_from', 'text')
    .addColumn('rcpt_to', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('raw', sql.raw(blob), (c) => c.notNull())
    .addColumn('digest', 'text', (c) => c.notNull())
    .addColumn('kind', 'text')
    .addColumn('result', 'text')
    .addColumn('error', 'text')
    .addColumn('received_at', time, (c) => c.notNull())
    .execute();
  // The same report handed over twice (a mailbox poll cut off before its delete, a sender that
  // missed our 250) is recognised by its digest and applied once.
  await db.schema.createIndex('inbound_messages_digest').on('inbound_messages').column('digest').unique().execute();

  await db.schema
    .createTable('feedback')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text')
    .addColumn('recipient_id', 'text')
    .addColumn('campaign_id', 'text')
    .addColumn('server_id', 'text')
    .addColumn('address', 'text')
    .addColumn('domain', 'text')
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('hard', 'integer', (c) => c.notNull())
    .addColumn('status', 'text')
    .addColumn('code', 'integer')
    .addColumn('diagnostic', 'text')
    .addColumn('feedback_type', 'text')
    .addColumn('inbound_id', 'text')
    .addColumn('created_at', time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('feedback_campaign').on('feedback').columns(['campaign_id', 'kind']).execute();
  await db.schema.createIndex('feedback_address').on('feedback').columns(['address', 'created_at']).execute();
  await db.schema.createIndex('feedback_created').on('feedback').columns(['created_at']).execute();
  await db.schema.createIndex('feedback_recipient').on('feedback').columns(['recipient_id']).execute();

  await db.schema
    .createTable('suppressions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('detail', 'text')
    .addColumn('message_id', 'text')
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('expires_at', time)
    .addUniqueConstraint('suppressions_address_scope', ['address', 'scope'])
    .execute();

  await db.schema
    .createTable('engagements')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('recipient_id', 'text')
    .addColumn('campaign_id', 'text')
    .addColumn('url', 'text')
    .addColumn('machine', 'integer', (c) => c.notNull())
    .addColumn('agent', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('ip', 'text')
    .addColumn('created_at', time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('engagements_campaign').on('engagements').columns(['campaign_id', 'kind']).execute();
  await db.schema.createIndex('engagements_message').on('engagements').columns(['message_id', 'kind']).execute();
  await db.schema.createIndex('engagements_recipient').on('engagements').columns(['recipient_id', 'kind', 'machine']).execute();
  await db.schema.createIndex('engagements_created').on('engagements').columns(['created_at']).execute();

  await db.schema
    .createTable('mailboxes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('protocol', 'text', (c) => c.notNull())
    .addColumn('host', 'text', (c) => c.notNull())
    .addColumn('port', 'integer', (c) => c.notNull())
    .addColumn('security', 'text', (c) => c.notNull())
    .addColumn('tls_verify', 'integer', (c) => c.notNull())
    .addColumn('tls_ca', 'text')
    .addColumn('username', 'text', (c) => c.notNull())
    .addColumn('password', 'text', (c) => c.notNull())
    .addColumn('folder', 'text', (c) => c.notNull())
    .addColumn('after_processing', 'text', (c) => c.notNull())
    .addColumn('move_to', 'text', (c) => c.notNull())
    .addColumn('interval_seconds', 'integer', (c) => c.notNull())
    .addColumn('active', 'integer', (c) => c.notNull())
    .addColumn('last_polled_at', time)
    .addColumn('last_result', 'text')
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .execute();

  await db.schema.alterTable('campaigns').addColumn('track_opens', 'integer', (c) => c.notNull().defaultTo(1)).execute();
  await db.schema.alterTable('campaigns').addColumn('track_clicks', 'integer', (c) => c.notNull().defaultTo(1)).execute();
  await db.schema.alterTable('campaigns').addColumn('pause_reason', 'text').execute();
  // Sent mail is looked up by its Message-ID when a bounce carries no usable VERP token.
  await db.schema.createIndex('messages_message_id_header').on('messages').column('message_id_header').execute();
}
