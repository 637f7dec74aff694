import type { CompiledQuery, Kysely, Transaction } from 'kysely';
import type { Store, Database } from '../store/index.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { InputError } from '../lib/input-error.js';
import { composeMessage, headerList } from './compose-message.js';
import { formatMailbox } from './addresses.js';
import { validateMessage, type ValidMessage } from './message-input.js';
import { eventInserts, type NewEvent } from './events.js';

export interface EnqueueContext {
  store: Store;
  clock: Clock;
  /** How long a message may wait for delivery before it fails as expired. */
  lifetimeMs: number;
  /** Adds the open pixel and click links to a message that asks for tracking (tracking/message-tracker.ts). */
  tracker?: MessageTracker;
}

/** The HTML with tracking for message `id`, or as it was when no tracking base is set. */
export type MessageTracker = (html: string, id: string, track: { opens: boolean; clicks: boolean }) => Promise<string>;

export interface EnqueueOptions {
  /** The user sending (null: the command line or the system). */
  userId?: string | null;
  /**
   * A caller's key for this request: a second enqueue with the same key (for the same user)
   * stores nothing and returns the first message's id.
   */
  idempotencyKey?: string;
}

/** Validates, composes and stores one message; resolves only after the transaction committed. */
export async function enqueueMessage(ctx: EnqueueContext, input: unknown, options: EnqueueOptions = {}): Promise<string> {
  const [id] = await enqueueMessages(ctx, [input], options);
  return id!;
}

/**
 * Stores messages, their content, recipients and `queued` events in one transaction: either all
 * of them are in the spool when this resolves, or none is.
 */
export async function enqueueMessages(ctx: EnqueueContext, inputs: unknown[], options: EnqueueOptions = {}): Promise<string[]> {
  const prepared = await prepareMessages(ctx, inputs, options);
  return ctx.store.db.transaction().execute((trx) => writePrepared(trx, prepared));
}

/** Messages validated and composed, ready to be written: everything that may fail on bad input is done. */
export interface PreparedMessages {
  rows: PreparedMessage[];
  options: EnqueueOptions;
  now: number;
}

/** One message as the spool stores it, whichever way it came in (API, relay). */
export interface PreparedMessage {
  id: string;
  fromAddress: string;
  fromHeader: string;
  replyTo: string | null;
  toHeader: string;
  subject: string;
  tags: string[];
  metadata: Record<string, unknown>;
  messageIdHeader: string;
  raw: Buffer;
  recipients: Array<{ address: string; kind: 'to' | 'cc' | 'bcc' }>;
  userId: string | null;
  createdAt: number;
  expiresAt: number;
  requestedServerId: string | null;
  /** 0: transactional, claimed first; 1: bulk. */
  priority: 0 | 1;
  /** The SMTP credential it was submitted with. */
  smtpCredentialId: string | null;
  /** The `queued` event's text (default: how many recipients and bytes). */
  queuedDetail?: string;
}

export async function prepareMessages(ctx: EnqueueContext, inputs: unknown[], options: EnqueueOptions = {}): Promise<PreparedMessages> {
  if (options.idempotencyKey !== undefined) {
    if (inputs.length !== 1) throw new InputError('Idempotency-Key', 'applies to one message at a time');
    checkIdempotencyKey(options.idempotencyKey);
  }
  const messages: ValidMessage[] = inputs.map((input, i) => {
    try {
      return validateMessage(input);
    } catch (error) {
      if (error instanceof InputError && inputs.length > 1) throw error.renamed(`messages[${i}].${error.field}`);
      throw error;
    }
  });
  const serverIds = await resolveServerNames(ctx.store, messages);
  const now = ctx.clock.now();
  const date = new Date(now);
  const rows = await Promise.all(
    messages.map(async (message): Promise<PreparedMessage> => {
      const id = newId('msg', now);
      const tracked = ctx.tracker && message.html !== undefined && (message.track.opens || message.track.clicks) ? { ...message, html: await ctx.tracker(message.html, id, message.track) } : message;
      const composed = await composeMessage(tracked, id, date);
      return {
        id,
        fromAddress: message.from.address,
        fromHeader: formatMailbox(message.from),
        replyTo: message.replyTo ? formatMailbox(message.replyTo) : null,
        toHeader: headerList(message.to),
        subject: message.subject,
        tags: message.tags,
        metadata: message.metadata,
        messageIdHeader: composed.messageIdHeader,
        raw: composed.raw,
        recipients: composed.recipients,
        userId: options.userId ?? null,
        createdAt: now,
        expiresAt: now + ctx.lifetimeMs,
        requestedServerId: message.server ? (serverIds.get(message.server) ?? null) : null,
        priority: 0,
        smtpCredentialId: null,
      };
    }),
  );
  return { rows, options, now };
}

/** Writes prepared messages inside the caller's transaction; returns their ids (or, for a repeated idempotency key, the first message's id). */
export async function writePrepared(trx: Transaction<Database>, prepared: PreparedMessages): Promise<string[]> {
  const { rows, options, now } = prepared;
  if (options.idempotencyKey !== undefined) {
    const first = await claimIdempotencyKey(trx, options.userId ?? '', options.idempotencyKey, rows[0]!.id, now);
    if (first !== rows[0]!.id) return [first];
  }
  for (const query of messageInserts(trx, rows, now)) await trx.executeQuery(query);
  return rows.map((r) => r.id);
}

/**
 * The INSERTs that store prepared messages (message, content, recipients, `queued` event),
 * compiled, so they can run in the caller's transaction or on the SQLite writer thread.
 */
export function messageInserts(db: Kysely<Database> | Transaction<Database>, rows: PreparedMessage[], now: number): CompiledQuery[] {
  const queries: CompiledQuery[] = [];
  const events: NewEvent[] = [];
  for (let i = 0; i < rows.length; i += 200) {
    const chunk = rows.slice(i, i + 200);
    queries.push(
      db
        .insertInto('messages')
        .values(
          chunk.map((m) => ({
            id: m.id,
            status: 'queued' as const,
            from_address: m.fromAddress,
            from_header: m.fromHeader,
            reply_to: m.replyTo,
            to_header: m.toHeader,
            subject: m.subject,
            requested_server_id: m.requestedServerId,
            server_id: null,
            message_id_header: m.messageIdHeader,
            size: m.raw.length,
            created_at: m.createdAt,
            updated_at: m.createdAt,
            expires_at: m.expiresAt,
            user_id: m.userId,
            tags: JSON.stringify(m.tags),
            metadata: JSON.stringify(m.metadata),
            smtp_credential_id: m.smtpCredentialId,
          })),
        )
        .compile(),
    );
    queries.push(
      db
        .insertInto('message_contents')
        .values(chunk.map(({ id, raw }) => ({ message_id: id, raw })))
        .compile(),
    );
    const recipients = chunk.flatMap(({ id, recipients, priority }) =>
      recipients.map((r) => ({
        id: newId('rcp', now),
        message_id: id,
        address: r.address,
        kind: r.kind,
        status: 'queued' as const,
        attempts: 0,
        next_attempt_at: now,
        lease_owner: null,
        server_id: null,
        updated_at: now,
        priority,
      })),
    );
    for (let j = 0; j < recipients.length; j += 500) queries.push(db.insertInto('recipients').values(recipients.slice(j, j + 500)).compile());
    for (const m of chunk) events.push({ messageId: m.id, type: 'queued', detail: m.queuedDetail ?? `${m.recipients.length} recipient(s), ${m.raw.length} bytes` });
  }
  return [...queries, ...eventInserts(db, events, now)];
}

function checkIdempotencyKey(key: string): void {
  if (key.length < 1 || key.length > 200 || /[\u0000-\u001f\u007f]/.test(key)) {
    throw new InputError('Idempotency-Key', 'must be 1 to 200 printable characters');
  }
}

/**
 * Records `key` as naming `messageId`, or returns the message it already names. Under PostgreSQL a
 * concurrent request with the same key waits on the unique index until the first one commits.
 */
async function claimIdempotencyKey(trx: Transaction<Database>, userId: string, key: string, messageId: string, now: number): Promise<string> {
  const inserted = await trx
    .insertInto('idempotency_keys')
    .values({ user_id: userId, key, message_id: messageId, created_at: now })
    .onConflict((oc) => oc.columns(['user_id', 'key']).doNothing())
    .returning('message_id')
    .executeTakeFirst();
  if (inserted) return messageId;
  const existing = await trx
    .selectFrom('idempotency_keys')
    .select('message_id')
    .where('user_id', '=', userId)
    .where('key', '=', key)
    .executeTakeFirstOrThrow();
  return existing.message_id;
}

async function resolveServerNames(store: Store, messages: ValidMessage[]): Promise<Map<string, string>> {
  const names = [...new Set(messages.map((m) => m.server).filter((s): s is string => !!s))];
  const found = new Map<string, string>();
  if (names.length === 0) return found;
  const rows = await store.db
    .selectFrom('servers')
    .select(['id', 'name'])
    .where((eb) => eb.or([eb('name', 'in', names), eb('id', 'in', names)]))
    .execute();
  for (const row of rows) {
    found.set(row.name, row.id);
    found.set(row.id, row.id);
  }
  for (const name of names) {
    if (!found.has(name)) throw new InputError('server', `no server named "${name}"`);
  }
  return found;
}
