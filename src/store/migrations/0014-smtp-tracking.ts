/**
 * Open and click tracking for relay mail: an SMTP credential chooses whether the HTML of the
 * messages submitted with it gets the open pixel and the click links (a message's own
 * X-Postroom-Track header field overrides it). Off unless asked for, as for API mail.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('smtp_credentials').addColumn('track_opens', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('smtp_credentials').addColumn('track_clicks', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}
