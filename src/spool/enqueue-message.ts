import type { Store } from '../store/index.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { InputError } from '../lib/input-error.js';
import { composeMessage, headerList } from './compose-message.js';
import { formatMailbox } from './addresses.js';
import { validateMessage, type ValidMessage } from './message-input.js';
import { recordEvents, type NewEvent } from './events.js';

export interface EnqueueContext {
  store: Store;
  clock: Clock;
  /** How long a message may wait for delivery before it fails as expired. */
  lifetimeMs: number;
}

/** Validates, composes and stores one message; resolves only after the transaction committed. */
export async function enqueueMessage(ctx: EnqueueContext, input: unknown): Promise<string> {
  const [id] = await enqueueMessages(ctx, [input]);
  return id!;
}

/**
 * Stores messages, their content, recipients and `queued` events in one transaction: either all
 * of them are in the spool when this resolves, or none is.
 */
export async function enqueueMessages(ctx: EnqueueContext, inputs: unknown[]): Promise<string[]> {
  const messages: ValidMessage[] = inputs.map((input, i) => {
    try {
      return validateMessage(input);
    } catch (error) {
      if (error instanceof InputError && inputs.length > 1) throw new InputError(`messages[${i}].${error.field}`, error.message.slice(error.field.length + 2));
      throw error;
    }
  });
  const serverIds = await resolveServerNames(ctx.store, messages);
  const now = ctx.clock.now();
  const date = new Date(now);

  const rows = await Promise.all(
    messages.map(async (message) => {
      const id = newId('msg', now);
      const composed = await composeMessage(message, id, date);
      return { id, message, composed };
    }),
  );

  await ctx.store.db.transaction().execute(async (trx) => {
    const events: NewEvent[] = [];
    for (let i = 0; i < rows.length; i += 200) {
      const chunk = rows.slice(i, i + 200);
      await trx
        .insertInto('messages')
        .values(
          chunk.map(({ id, message, composed }) => ({
            id,
            status: 'queued' as const,
            from_address: message.from.address,
            from_header: formatMailbox(message.from),
            reply_to: message.replyTo ? formatMailbox(message.replyTo) : null,
            to_header: headerList(message.to),
            subject: message.subject,
            requested_server_id: message.server ? (serverIds.get(message.server) ?? null) : null,
            server_id: null,
            message_id_header: composed.messageIdHeader,
            size: composed.raw.length,
            created_at: now,
            updated_at: now,
            expires_at: now + ctx.lifetimeMs,
          })),
        )
        .execute();
      await trx
        .insertInto('message_contents')
        .values(chunk.map(({ id, composed }) => ({ message_id: id, raw: composed.raw })))
        .execute();
      const recipients = chunk.flatMap(({ id, composed }) =>
        composed.recipients.map((r) => ({
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
        })),
      );
      for (let j = 0; j < recipients.length; j += 500) {
        await trx.insertInto('recipients').values(recipients.slice(j, j + 500)).execute();
      }
      for (const { id, composed } of chunk) {
        events.push({ messageId: id, type: 'queued', detail: `${composed.recipients.length} recipient(s), ${composed.raw.length} bytes` });
      }
    }
    await recordEvents(trx, events, now);
  });
  return rows.map((r) => r.id);
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
