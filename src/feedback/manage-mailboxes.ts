/**
 * Mailboxes Postroom polls for bounces and complaints (IMAP or POP3), for installations that
 * cannot open an inbound SMTP port. The password is sealed at rest; nothing shows it again.
 */
import { z } from 'zod';
import type { MailboxRow, Store } from '../store/index.js';
import type { Clock } from '../lib/clock.js';
import type { SecretBox } from '../servers/index.js';
import { newId } from '../lib/ids.js';
import { InputError, inputErrorFromZod } from '../lib/input-error.js';
import type { MailboxConfig } from './mailbox-config.js';

export const mailboxInputSchema = z
  .object({
    name: z.string().trim().min(1, 'is required').max(200),
    protocol: z.enum(['imap', 'pop3']),
    host: z.string().trim().min(1, 'is required').max(253).regex(/^[A-Za-z0-9.:[\]-]+$/, 'must be a host name or IP address'),
    port: z.number().int().min(1).max(65535).optional(),
    security: z.enum(['none', 'starttls', 'tls']).default('tls'),
    tlsVerify: z.boolean().default(true),
    tlsCa: z.string().max(100_000).nullable().default(null),
    username: z.string().min(1, 'is required').max(500),
    password: z.string().min(1, 'is required').max(1000),
    folder: z.string().min(1).max(500).default('INBOX'),
    afterProcessing: z.enum(['delete', 'move']).default('move'),
    moveTo: z.string().min(1).max(500).default('Processed'),
    intervalSeconds: z.number().int().min(10).max(86_400).default(60),
  })
  .superRefine((m, ctx) => {
    if (m.protocol === 'pop3' && m.afterProcessing === 'move') ctx.addIssue({ code: 'custom', path: ['afterProcessing'], message: 'POP3 can only delete processed messages' });
  });

export type MailboxInput = z.input<typeof mailboxInputSchema>;

const DEFAULT_PORT = { imap: { none: 143, starttls: 143, tls: 993 }, pop3: { none: 110, starttls: 110, tls: 995 } } as const;

export interface MailboxesContext {
  store: Store;
  clock: Clock;
  secrets: SecretBox;
}

export async function addMailbox(ctx: MailboxesContext, input: unknown): Promise<MailboxRow> {
  const parsed = mailboxInputSchema.safeParse(input);
  if (!parsed.success) throw inputErrorFromZod(parsed.error);
  const m = parsed.data;
  const taken = await ctx.store.db.selectFrom('mailboxes').select('id').where('name', '=', m.name).executeTakeFirst();
  if (taken) throw new InputError('name', `a mailbox named "${m.name}" exists already`);
  const now = ctx.clock.now();
  const row: MailboxRow = {
    id: newId('mbx', now),
    name: m.name,
    protocol: m.protocol,
    host: m.host,
    port: m.port ?? DEFAULT_PORT[m.protocol][m.security],
    security: m.security,
    tls_verify: m.tlsVerify ? 1 : 0,
    tls_ca: m.tlsCa,
    username: m.username,
    password: ctx.secrets.seal(m.password),
    folder: m.folder,
    after_processing: m.afterProcessing,
    move_to: m.moveTo,
    interval_seconds: m.intervalSeconds,
    active: 1,
    last_polled_at: null,
    last_result: null,
    created_at: now,
    updated_at: now,
  };
  await ctx.store.db.insertInto('mailboxes').values(row).execute();
  return row;
}

export function listMailboxes(store: Store): Promise<MailboxRow[]> {
  return store.db.selectFrom('mailboxes').selectAll().orderBy('name').execute();
}

export async function findMailbox(store: Store, nameOrId: string, field = 'mailbox'): Promise<MailboxRow> {
  const row = await store.db.selectFrom('mailboxes').selectAll().where((eb) => eb.or([eb('id', '=', nameOrId), eb('name', '=', nameOrId)])).executeTakeFirst();
  if (!row) throw new InputError(field, `no mailbox named "${nameOrId}"`);
  return row;
}

export async function removeMailbox(store: Store, nameOrId: string): Promise<MailboxRow> {
  const row = await findMailbox(store, nameOrId);
  await store.db.deleteFrom('mailboxes').where('id', '=', row.id).execute();
  return row;
}

/** The record without its password, for people and programs (camelCase and ISO times, as the rest of the API). */
export function publicMailbox(row: MailboxRow) {
  const iso = (ms: number | null): string | null => (ms === null ? null : new Date(Number(ms)).toISOString());
  return {
    id: row.id,
    name: row.name,
    protocol: row.protocol,
    host: row.host,
    port: row.port,
    security: row.security,
    tlsVerify: row.tls_verify === 1,
    tlsCa: row.tls_ca ? '(set)' : null,
    username: row.username,
    folder: row.folder,
    afterProcessing: row.after_processing,
    moveTo: row.move_to,
    intervalSeconds: row.interval_seconds,
    active: row.active === 1,
    lastPolledAt: iso(row.last_polled_at),
    lastResult: row.last_result,
    createdAt: iso(row.created_at),
  };
}

export function mailboxConfig(row: MailboxRow, secrets: SecretBox): MailboxConfig {
  return {
    protocol: row.protocol,
    host: row.host,
    port: row.port,
    security: row.security,
    tlsVerify: row.tls_verify === 1,
    tlsCa: row.tls_ca,
    username: row.username,
    password: secrets.open(row.password),
    folder: row.folder,
    afterProcessing: row.after_processing,
    moveTo: row.move_to,
  };
}
