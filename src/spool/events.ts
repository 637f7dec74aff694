import type { CompiledQuery, Kysely, Transaction } from 'kysely';
import { newId } from '../lib/ids.js';
import type { Database, EventType } from '../store/index.js';

export interface NewEvent {
  messageId: string;
  type: EventType;
  recipient?: string | null;
  serverId?: string | null;
  attempt?: number | null;
  code?: number | null;
  enhanced?: string | null;
  response?: string | null;
  detail?: string | null;
}

/** Appends events: the one place history is written, always inside the transition's transaction. */
export async function recordEvents(db: Kysely<Database> | Transaction<Database>, events: NewEvent[], now: number): Promise<void> {
  for (const query of eventInserts(db, events, now)) await db.executeQuery(query);
}

/** The INSERTs that append `events`, compiled (for callers that run them elsewhere, e.g. a writer thread). */
export function eventInserts(db: Kysely<Database> | Transaction<Database>, events: NewEvent[], now: number): CompiledQuery[] {
  const queries: CompiledQuery[] = [];
  for (let i = 0; i < events.length; i += 400) {
    queries.push(
      db
        .insertInto('events')
        .values(
          events.slice(i, i + 400).map((e) => ({
            id: newId('evt', now),
            message_id: e.messageId,
            recipient: e.recipient ?? null,
            type: e.type,
            server_id: e.serverId ?? null,
            attempt: e.attempt ?? null,
            code: e.code ?? null,
            enhanced: e.enhanced ?? null,
            response: e.response ?? null,
            detail: e.detail ?? null,
            created_at: now,
          })),
        )
        .compile(),
    );
  }
  return queries;
}
