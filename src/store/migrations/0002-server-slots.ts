/**
 * Session slots: "no more than N at a time" across every worker sharing the database. A worker
 * holds slot k of a server (k < N) while one of its sessions to that server is open; a slot whose
 * holder stopped renewing it is free again when `expires_at` passes.
 */
import type { Kysely } from 'kysely';
import { dialectOf } from '../dialect.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  const time = dialectOf(db) === 'postgres' ? 'bigint' : 'integer';
  await db.schema
    .createTable('server_slots')
    .addColumn('server_id', 'text', (c) => c.notNull())
    .addColumn('slot', 'integer', (c) => c.notNull())
    .addColumn('owner', 'text')
    .addColumn('expires_at', time, (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('server_slots_pk', ['server_id', 'slot'])
    .execute();
}
