/**
 * The ways out: built-in direct delivery, Gmail and Microsoft 365 accounts, adaptive throttling
 * and failover.
 *
 *   servers               gain the EHLO name and source addresses (direct delivery), the account
 *                         an OAuth server sends as, the throttle state (a slow-down level and until
 *                         when it holds) and the health state (consecutive connection or TLS
 *                         failures, and since when the server counts as unhealthy)
 *   destination_throttles per direct server and destination (a recipient domain's MX hosts,
 *                         rolled up), a pause and a slow-down level, shared by every worker
 *   oauth_grants          one per Gmail / Microsoft server: the client, the refresh and access
 *                         tokens sealed, and whether the grant was revoked
 *   oauth_states          authorizations under way: the PKCE verifier sealed, until it expires
 *   rate_windows          quotas held across the cluster: per server (or direct destination) and
 *                         window (minute, hour, day), how many sends workers have reserved
 */
import type { Kysely } from 'kysely';
import { dialectOf } from '../dialect.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  const time = dialectOf(db) === 'postgres' ? 'bigint' : 'integer';

  await db.schema.alterTable('servers').addColumn('ehlo_name', 'text').execute();
  await db.schema.alterTable('servers').addColumn('source_addresses', 'text', (c) => c.notNull().defaultTo('')).execute();
  await db.schema.alterTable('servers').addColumn('account', 'text').execute();
  await db.schema.alterTable('servers').addColumn('throttle_level', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('servers').addColumn('throttle_until', time).execute();
  await db.schema.alterTable('servers').addColumn('throttle_reason', 'text').execute();
  await db.schema.alterTable('servers').addColumn('throttle_rate', 'integer').execute();
  await db.schema.alterTable('servers').addColumn('throttle_period', time).execute();
  await db.schema.alterTable('servers').addColumn('health_failures', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('servers').addColumn('unhealthy_since', time).execute();
  await db.schema.alterTable('servers').addColumn('unhealthy_reason', 'text').execute();

  await db.schema
    .createTable('destination_throttles')
    .addColumn('server_id', 'text', (c) => c.notNull())
    .addColumn('destination', 'text', (c) => c.notNull())
    .addColumn('paused_until', time)
    .addColumn('pause_reason', 'text')
    .addColumn('pause_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('throttle_level', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('throttle_until', time)
    .addColumn('throttle_reason', 'text')
    .addColumn('throttle_rate', 'integer')
    .addColumn('throttle_period', time)
    .addColumn('updated_at', time, (c) => c.notNull())
    .addPrimaryKeyConstraint('destination_throttles_pk', ['server_id', 'destination'])
    .execute();

  await db.schema
    .createTable('rate_windows')
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('window_start', time, (c) => c.notNull())
    .addColumn('used', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('rate_windows_pk', ['key', 'window_start'])
    .execute();

  await db.schema
    .createTable('oauth_grants')
    .addColumn('server_id', 'text', (c) => c.primaryKey())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('client_secret', 'text')
    .addColumn('account', 'text')
    .addColumn('refresh_token', 'text')
    .addColumn('access_token', 'text')
    .addColumn('access_expires_at', time)
    .addColumn('revoked_at', time)
    .addColumn('revoked_reason', 'text')
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('oauth_states')
    .addColumn('state', 'text', (c) => c.primaryKey())
    .addColumn('server_id', 'text', (c) => c.notNull())
    .addColumn('code_verifier', 'text', (c) => c.notNull())
    .addColumn('redirect_uri', 'text', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('expires_at', time, (c) => c.notNull())
    .execute();
}
