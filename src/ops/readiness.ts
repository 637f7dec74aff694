/**
 * Whether this process should be sent work (`GET /readyz`): each check says what it found, and a
 * failing one says why in a sentence an operator can act on.
 *
 *   database    answers `select 1` within the deadline (a hung connection fails, it does not hang)
 *   migrations  the schema is the one this build knows: none pending, none unknown (a newer
 *               Postroom migrated it)
 *   workers     this process's delivery worker is running — or none runs here (serve
 *               --no-workers), which is said and does not fail
 *   servers     no active server rests until its account is reconnected (a revoked or missing
 *               OAuth grant: its mail waits until a person acts)
 */
import { sql } from 'kysely';
import type { Store } from '../store/index.js';
import { schemaStatus } from '../store/index.js';
import { UNTIL_FURTHER_NOTICE } from '../oauth/index.js';
import { within } from './within.js';

export interface ReadinessOptions {
  /** Whether this process's delivery worker is running; null (or absent): no worker runs here. */
  workersRunning?: () => boolean | null;
  /** Longest wait for each database check (default 2 s). */
  databaseTimeoutMs?: number;
  /** True once this process shuts down (SIGTERM): not ready, so a load balancer sends no more. */
  stopping?: () => boolean;
}

export interface Check {
  ok: boolean;
  detail: string;
}

export interface Readiness {
  ready: boolean;
  checks: {
    database: Check;
    migrations: Check & { pending: string[]; unknown: string[] };
    workers: Check & { running: boolean | null };
    servers: Check & { resting: { server: string; reason: string }[] };
  };
  /** One sentence per failing check; empty when ready. */
  reasons: string[];
}

export async function checkReadiness(deps: { store: Store }, options: ReadinessOptions = {}): Promise<Readiness> {
  const timeoutMs = options.databaseTimeoutMs ?? 2_000;
  const db = deps.store.db;
  const database = await check(async () => {
    const started = performance.now();
    try {
      await within(timeoutMs, sql`select 1`.execute(db), 'the database');
    } catch (error) {
      throw new Error(`cannot reach the database (${deps.store.description}): ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    return { ok: true, detail: `answered in ${Math.round(performance.now() - started)} ms` };
  });
  const unchecked = { ok: false, detail: 'not checked: the database is unreachable' };
  const migrations = database.ok
    ? await check(async () => {
        const status = await within(timeoutMs, schemaStatus(db), 'the database');
        if (status.unknown.length > 0) {
          return { ok: false, detail: `the database has migrations this Postroom does not know (${status.unknown.join(', ')}): a newer version upgraded it; run that version`, pending: status.pending, unknown: status.unknown };
        }
        if (status.pending.length > 0) {
          return { ok: false, detail: `${status.pending.length} migration(s) pending (${status.pending.join(', ')}): run \`postroom migrate\``, pending: status.pending, unknown: [] };
        }
        return { ok: true, detail: `${status.applied.length} migrations applied, none pending`, pending: [], unknown: [] };
      })
    : unchecked;
  const servers = database.ok
    ? await check(async () => {
        const rows = await within(
          timeoutMs,
          db.selectFrom('servers').select(['name', 'pause_reason']).where('active', '=', 1).where('paused_until', '>=', UNTIL_FURTHER_NOTICE).orderBy('name').execute(),
          'the database',
        );
        const resting = rows.map((r) => ({ server: r.name, reason: r.pause_reason ?? 'its account must be connected again' }));
        if (resting.length === 0) return { ok: true, detail: 'no server waits for its account to be reconnected', resting };
        return { ok: false, detail: resting.map((r) => `server "${r.server}" rests until its account is reconnected: ${r.reason}`).join('; '), resting };
      })
    : unchecked;
  const running = options.workersRunning?.() ?? null;
  const workers =
    running === null
      ? { ok: true, running, detail: 'no delivery worker runs in this process (serve --no-workers): `postroom worker` processes deliver' }
      : running
        ? { ok: true, running, detail: 'the delivery worker is running' }
        : { ok: false, running, detail: 'the delivery worker is not running (starting, stopping or stopped)' };

  const checks = {
    database,
    migrations: { pending: [], unknown: [], ...migrations },
    workers,
    servers: { resting: [], ...servers },
  };
  // What could not be checked for want of a database is not a reason of its own.
  const reasons = [
    ['database', database],
    ['migrations', migrations],
    ['workers', workers],
    ['servers', servers],
  ] as const;
  const failing = reasons.filter(([, c]) => !c.ok && c !== unchecked).map(([name, c]) => `${name}: ${c.detail}`);
  if (options.stopping?.()) failing.unshift('stopping: this process is shutting down (SIGTERM) and finishes what is under way');
  return { ready: failing.length === 0, checks, reasons: failing };
}

/** A check that throws failed, and says how. */
async function check<T extends Check>(run: () => Promise<T>): Promise<T | Check> {
  try {
    return await run();
  } catch (error) {
    return { ok: false, detail: error instanceof Error ? error.message : String(error) };
  }
}
