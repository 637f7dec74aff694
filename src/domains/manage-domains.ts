/**
 * Sending domains: add one (with a new DKIM key), list, find, remove, and rotate its key. A
 * rotation makes a `pending` key under a new selector; it is published beside the active one and
 * becomes active when a DNS check sees it published (see check-domain.ts), the old key retired.
 */
import type { Store, DomainRow, DkimKeyRow, DkimAlgorithm } from '../store/index.js';
import type { Clock } from '../lib/clock.js';
import type { SecretBox } from '../servers/secret-box.js';
import { newId } from '../lib/ids.js';
import { InputError } from '../lib/input-error.js';
import { generateDkimKey, newSelector, SELECTOR_PATTERN } from './dkim-key.js';

export interface DomainDeps {
  store: Store;
  clock: Clock;
  secrets: SecretBox;
}

export interface AddDomainInput {
  name: string;
  selector?: string | undefined;
  algorithm?: DkimAlgorithm | undefined;
}

/** A domain as given (`Example.COM.`) → as stored (`example.com`); anything that is not a host name is refused. */
export function domainName(input: string, field = 'name'): string {
  const name = input.trim().toLowerCase().replace(/\.$/, '');
  const label = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
  const labels = name.split('.');
  if (labels.length < 2 || name.length > 253 || !labels.every((l) => label.test(l)) || /^\d+$/.test(labels.at(-1)!)) {
    throw new InputError(field, `"${input.slice(0, 100)}" is not a domain name like example.com`);
  }
  return name;
}

function checkSelector(selector: string): string {
  const s = selector.trim().toLowerCase();
  if (!SELECTOR_PATTERN.test(s)) throw new InputError('selector', 'is letters, digits and hyphens (dot-separated), like pr202611');
  return s;
}

function checkAlgorithm(algorithm: string | undefined): DkimAlgorithm {
  if (algorithm === undefined || algorithm === 'rsa') return 'rsa';
  if (algorithm === 'ed25519') return 'ed25519';
  throw new InputError('algorithm', 'must be rsa or ed25519');
}

async function insertKey(deps: DomainDeps, domainId: string, selector: string, algorithm: DkimAlgorithm, state: 'active' | 'pending'): Promise<DkimKeyRow> {
  const now = deps.clock.now();
  const key = generateDkimKey(algorithm);
  const row: DkimKeyRow = {
    id: newId('dk', now),
    domain_id: domainId,
    selector,
    algorithm,
    private_key: deps.secrets.seal(key.privateKeyPem),
    public_key: key.publicKey,
    state,
    created_at: now,
    activated_at: state === 'active' ? now : null,
  };
  await deps.store.db.insertInto('dkim_keys').values(row).execute();
  return row;
}

export async function addDomain(deps: DomainDeps, input: AddDomainInput): Promise<DomainRow> {
  const name = domainName(input.name);
  const algorithm = checkAlgorithm(input.algorithm);
  const now = deps.clock.now();
  const selector = input.selector ? checkSelector(input.selector) : newSelector(now, new Set());
  const clash = await deps.store.db.selectFrom('domains').select('id').where('name', '=', name).executeTakeFirst();
  if (clash) throw new InputError('name', `${name} is already a sending domain`);
  const row: DomainRow = { id: newId('dom', now), name, created_at: now, updated_at: now, checked_at: null, last_check: null };
  await deps.store.db.insertInto('domains').values(row).execute();
  await insertKey(deps, row.id, selector, algorithm, 'active');
  return row;
}

export async function listDomains(store: Store): Promise<DomainRow[]> {
  return store.db.selectFrom('domains').selectAll().orderBy('name').execute();
}

/** The domain with this id or name. */
export async function findDomain(store: Store, idOrName: string, field = 'domain'): Promise<DomainRow> {
  const key = idOrName.trim().toLowerCase().replace(/\.$/, '');
  const row = await store.db
    .selectFrom('domains')
    .selectAll()
    .where((eb) => eb.or([eb('id', '=', idOrName.trim()), eb('name', '=', key)]))
    .executeTakeFirst();
  if (!row) throw new InputError(field, `no sending domain "${idOrName.slice(0, 100)}"`);
  return row;
}

/** The domain's keys: the active one first, then a pending one, then the retired, newest first. */
export async function domainKeys(store: Store, domainId: string): Promise<DkimKeyRow[]> {
  const rows = await store.db.selectFrom('dkim_keys').selectAll().where('domain_id', '=', domainId).orderBy('created_at', 'desc').execute();
  const rank = { active: 0, pending: 1, retired: 2 } as const;
  return rows.sort((a, b) => rank[a.state] - rank[b.state]);
}

export async function removeDomain(store: Store, domainId: string): Promise<void> {
  await store.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('dkim_keys').where('domain_id', '=', domainId).execute();
    await trx.deleteFrom('domains').where('id', '=', domainId).execute();
  });
}

/** Starts a key rotation: a pending key under a new selector (replacing an earlier pending one). */
export async function rotateDomainKey(deps: DomainDeps, domainId: string, input: { selector?: string | undefined; algorithm?: DkimAlgorithm | undefined } = {}): Promise<DkimKeyRow> {
  const keys = await domainKeys(deps.store, domainId);
  const active = keys.find((k) => k.state === 'active');
  const algorithm = checkAlgorithm(input.algorithm ?? active?.algorithm);
  const taken = new Set(keys.map((k) => k.selector));
  const selector = input.selector ? checkSelector(input.selector) : newSelector(deps.clock.now(), taken);
  if (taken.has(selector) && keys.find((k) => k.selector === selector)?.state !== 'pending') throw new InputError('selector', `${selector} is already used by a key of this domain; choose another`);
  await deps.store.db.deleteFrom('dkim_keys').where('domain_id', '=', domainId).where('state', '=', 'pending').execute();
  const row = await insertKey(deps, domainId, selector, algorithm, active ? 'pending' : 'active');
  await touch(deps, domainId);
  return row;
}

/** Makes the pending key the active one (its DNS record is published); the old key is retired. */
export async function activatePendingKey(deps: DomainDeps, domainId: string): Promise<boolean> {
  const now = deps.clock.now();
  return deps.store.db.transaction().execute(async (trx) => {
    const pending = await trx.selectFrom('dkim_keys').selectAll().where('domain_id', '=', domainId).where('state', '=', 'pending').executeTakeFirst();
    if (!pending) return false;
    await trx.updateTable('dkim_keys').set({ state: 'retired' }).where('domain_id', '=', domainId).where('state', '=', 'active').execute();
    await trx.updateTable('dkim_keys').set({ state: 'active', activated_at: now }).where('id', '=', pending.id).execute();
    await trx.updateTable('domains').set({ updated_at: now }).where('id', '=', domainId).execute();
    return true;
  });
}

async function touch(deps: DomainDeps, domainId: string): Promise<void> {
  await deps.store.db.updateTable('domains').set({ updated_at: deps.clock.now() }).where('id', '=', domainId).execute();
}
