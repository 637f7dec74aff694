/**
 * Templates: Liquid over contact fields. `source` is what the author wrote (HTML or MJML);
 * `html` is the same made ready to send — MJML turned into HTML and CSS inlined — with its Liquid
 * tags still in place, so sending only has to render. `text` is the hand-written plain-text part,
 * or null to use `text_generated`, made from the HTML when the template is saved.
 */
import type { Kysely } from 'kysely';
import { dialectOf } from '../dialect.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  const time = dialectOf(db) === 'postgres' ? 'bigint' : 'integer';
  await db.schema
    .createTable('templates')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('format', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('text', 'text')
    .addColumn('html', 'text', (c) => c.notNull())
    .addColumn('text_generated', 'text', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .execute();
}
