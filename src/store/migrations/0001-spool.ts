/**
 * The spool, outgoing servers and settings. Runs unchanged on SQLite and PostgreSQL; the only
 * per-dialect choices are the binary and 64-bit integer column types.
 */
import { sql, type Kysely } from 'kysely';
import { dialectOf } from '../dialect.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  const pg = dialectOf(db) === 'postgres';
  const time = pg ? 'bigint' : 'integer';
  const blob = pg ? 'bytea' : 'blob';

  await db.schema
    .createTable('servers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('priority', 'integer', (c) => c.notNull())
    .addColumn('from_filter', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('host', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('port', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('security', 'text', (c) => c.notNull().defaultTo('none'))
    .addColumn('auth', 'text', (c) => c.notNull().defaultTo('none'))
    .addColumn('username', 'text')
    .addColumn('secret', 'text')
    .addColumn('tls_verify', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('tls_ca', 'text')
    .addColumn('max_concurrent', 'integer')
    .addColumn('per_minute', 'integer')
    .addColumn('per_hour', 'integer')
    .addColumn('per_day', 'integer')
    .addColumn('paused_until', time)
    .addColumn('pause_reason', 'text')
    .addColumn('pause_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('from_address', 'text', (c) => c.notNull())
    .addColumn('from_header', 'text', (c) => c.notNull())
    .addColumn('reply_to', 'text')
    .addColumn('to_header', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('requested_server_id', 'text')
    .addColumn('server_id', 'text')
    .addColumn('message_id_header', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .addColumn('expires_at', time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('messages_status_created').on('messages').columns(['status', 'created_at']).execute();
  await db.schema.createIndex('messages_created').on('messages').column('created_at').execute();

  await db.schema
    .createTable('message_contents')
    .addColumn('message_id', 'text', (c) => c.primaryKey())
    .addColumn('raw', sql.raw(blob), (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('recipients')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', time, (c) => c.notNull())
    .addColumn('lease_owner', 'text')
    .addColumn('server_id', 'text')
    .addColumn('last_code', 'integer')
    .addColumn('last_enhanced', 'text')
    .addColumn('last_response', 'text')
    .addColumn('updated_at', time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('recipients_message').on('recipients').column('message_id').execute();
  // The claim query reads only rows still in play, ordered by when they are due.
  await db.schema
    .createIndex('recipients_due')
    .on('recipients')
    .column('next_attempt_at')
    .where(sql.ref('status'), 'in', ['queued', 'deferred', 'sending'])
    .execute();

  await db.schema
    .createTable('events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('recipient', 'text')
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('server_id', 'text')
    .addColumn('attempt', 'integer')
    .addColumn('code', 'integer')
    .addColumn('enhanced', 'text')
    .addColumn('response', 'text')
    .addColumn('detail', 'text')
    .addColumn('created_at', time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('events_message').on('events').columns(['message_id', 'id']).execute();
  await db.schema.createIndex('events_server_type').on('events').columns(['server_id', 'type', 'created_at']).execute();

  await db.schema
    .createTable('sandbox_messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('server_id', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('raw', sql.raw(blob), (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sandbox_messages_server').on('sandbox_messages').columns(['server_id', 'created_at']).execute();
}
