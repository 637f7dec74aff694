import type { Store, NewServerRow } from '../store/index.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { InputError, inputErrorFromZod } from '../lib/input-error.js';
import type { SecretBox } from './secret-box.js';
import { UNTIL_FURTHER_NOTICE } from '../oauth/grants.js';
import { SERVER_DEFAULTS, serverSchema, type ServerFields, type ServerInput } from './server-input.js';
import { openServerSecrets, serverFromRow, type OutgoingServer, type ServerSecrets } from './server-record.js';

export interface ServersContext {
  store: Store;
  clock: Clock;
  secrets: SecretBox;
}

export async function listServers(store: Store): Promise<OutgoingServer[]> {
  const rows = await store.db.selectFrom('servers').selectAll().orderBy('priority').orderBy('created_at').orderBy('id').execute();
  return rows.map(serverFromRow);
}

/** Finds a server by name or id; throws an InputError naming `field` when there is none. */
export async function findServer(store: Store, nameOrId: string, field = 'server'): Promise<OutgoingServer> {
  const row = await store.db
    .selectFrom('servers')
    .selectAll()
    .where((eb) => eb.or([eb('name', '=', nameOrId), eb('id', '=', nameOrId)]))
    .executeTakeFirst();
  if (!row) throw new InputError(field, `no server named "${nameOrId}"`);
  return serverFromRow(row);
}

/**
 * The providers' own sending limits, as quotas a new Gmail or Microsoft server starts with unless
 * given others (null: none): Google Workspace accounts may send to 2,000 recipients a day (a
 * consumer Gmail account 500: set --per-day 500); Exchange Online 30 messages a minute and
 * 10,000 recipients a day. Going over them earns a one-day block, so Postroom stays under.
 */
export const PROVIDER_QUOTAS = {
  gmail: { perMinute: null, perDay: 2000 },
  microsoft: { perMinute: 30, perDay: 10_000 },
} as const;

export async function createServer(ctx: ServersContext, input: ServerInput): Promise<OutgoingServer> {
  const quotas = input.kind === 'gmail' || input.kind === 'microsoft' ? PROVIDER_QUOTAS[input.kind] : {};
  const fields = validate({ ...SERVER_DEFAULTS, ...quotas, ...dropUndefined(input) });
  await assertNameFree(ctx.store, fields.name, null);
  const now = ctx.clock.now();
  const row: NewServerRow = { id: newId('srv', now), ...toRow(fields, ctx.secrets), pause_count: 0, throttle_level: 0, health_failures: 0, created_at: now, updated_at: now };
  await ctx.store.db.insertInto('servers').values(row).execute();
  return findServer(ctx.store, row.id);
}

/** Changes the given fields; secrets not given are kept. */
export async function updateServer(ctx: ServersContext, nameOrId: string, changes: Partial<ServerFields>): Promise<OutgoingServer> {
  const current = await findServer(ctx.store, nameOrId);
  const secrets = openServerSecrets(current, ctx.secrets);
  const merged = {
    ...current,
    password: secrets.password ?? null,
    certificate: secrets.certificate ?? null,
    privateKey: secrets.privateKey ?? null,
    ...dropUndefined(changes),
  };
  const fields = validate(pick(merged));
  if (fields.name !== current.name) await assertNameFree(ctx.store, fields.name, current.id);
  const now = ctx.clock.now();
  await ctx.store.db
    .updateTable('servers')
    .set({ ...toRow(fields, ctx.secrets), updated_at: now, ...FRESH_STATE, ...keptRest(current, fields) })
    .where('id', '=', current.id)
    .execute();
  return findServer(ctx.store, current.id);
}

/**
 * A rest "until further notice" (its account must be connected again) outlasts other changes to
 * the server: only connecting the account, or making it something other than an OAuth server, ends it.
 */
function keptRest(current: OutgoingServer, fields: ServerFields): { paused_until?: number; pause_reason?: string | null } {
  if (current.pausedUntil !== UNTIL_FURTHER_NOTICE || fields.auth !== 'oauth2') return {};
  return { paused_until: current.pausedUntil, pause_reason: current.pauseReason };
}

/** A changed server starts afresh: no rest, no slow-down, healthy. */
const FRESH_STATE = {
  paused_until: null,
  pause_reason: null,
  pause_count: 0,
  throttle_level: 0,
  throttle_until: null,
  throttle_reason: null,
  throttle_rate: null,
  throttle_period: null,
  health_failures: 0,
  unhealthy_since: null,
  unhealthy_reason: null,
} as const;

export async function removeServer(store: Store, nameOrId: string): Promise<OutgoingServer> {
  const server = await findServer(store, nameOrId);
  await store.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('servers').where('id', '=', server.id).execute();
    // A bulk server that no longer exists would silently send campaigns by normal routing.
    await trx.deleteFrom('settings').where('key', '=', 'bulk_server').where('value', '=', server.id).execute();
    await trx.deleteFrom('server_slots').where('server_id', '=', server.id).execute();
    await trx.deleteFrom('destination_throttles').where('server_id', '=', server.id).execute();
    await trx.deleteFrom('oauth_grants').where('server_id', '=', server.id).execute();
    await trx.deleteFrom('oauth_states').where('server_id', '=', server.id).execute();
    // Its quota windows: `ID:minute`, `ID/DESTINATION:minute`, `ID/slowed:minute`. (The `_` of an id is a
    // LIKE wildcard too; ids are random and of one length, so no other server's keys match.)
    await trx.deleteFrom('rate_windows').where((eb) => eb.or([eb('key', 'like', `${server.id}:%`), eb('key', 'like', `${server.id}/%`)])).execute();
  });
  return server;
}

/**
 * A fresh install can try Postroom at once: with no servers at all, a `Sandbox` server (priority
 * 1000, so any server added later is preferred) keeps what it "sends" in a local inbox.
 */
export async function ensureSandboxServer(ctx: ServersContext): Promise<OutgoingServer | null> {
  const any = await ctx.store.db.selectFrom('servers').select('id').limit(1).executeTakeFirst();
  if (any) return null;
  return createServer(ctx, { name: 'Sandbox', kind: 'sandbox', priority: 1000 });
}

function validate(input: Record<string, unknown>): ServerFields {
  const parsed = serverSchema.safeParse(input);
  if (!parsed.success) throw inputErrorFromZod(parsed.error);
  return parsed.data;
}

function pick(server: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys({ name: 1, ...SERVER_DEFAULTS })) out[key] = server[key];
  return out;
}

function dropUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

async function assertNameFree(store: Store, name: string, exceptId: string | null): Promise<void> {
  const clash = await store.db.selectFrom('servers').select('id').where('name', '=', name).executeTakeFirst();
  if (clash && clash.id !== exceptId) throw new InputError('name', `a server named "${name}" already exists`);
}

function toRow(fields: ServerFields, box: SecretBox) {
  const secrets: ServerSecrets = {};
  if (fields.auth === 'password' && fields.password) secrets.password = fields.password;
  if (fields.auth === 'certificate' && fields.certificate && fields.privateKey) {
    secrets.certificate = fields.certificate;
    secrets.privateKey = fields.privateKey;
  }
  return {
    name: fields.name,
    kind: fields.kind,
    priority: fields.priority,
    from_filter: fields.fromFilter.split(',').map((s) => s.trim()).filter(Boolean).join(', '),
    active: fields.active ? 1 : 0,
    host: fields.host,
    port: fields.port,
    security: fields.security,
    auth: fields.auth,
    username: fields.auth === 'password' ? fields.username : null,
    secret: Object.keys(secrets).length > 0 ? box.seal(JSON.stringify(secrets)) : null,
    tls_verify: fields.tlsVerify ? 1 : 0,
    tls_ca: fields.tlsCa,
    max_concurrent: fields.maxConcurrent,
    per_minute: fields.perMinute,
    per_hour: fields.perHour,
    per_day: fields.perDay,
    ehlo_name: fields.ehloName,
    source_addresses: fields.sourceAddresses.join(', '),
    account: fields.account,
  };
}
