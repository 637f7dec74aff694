/**
 * `/healthz` and `/readyz` in healthy and broken states, on a real engine: ready on a fresh
 * database; not ready — with a reason naming what is wrong — when the database cannot be
 * reached (on PostgreSQL through a TCP proxy the test stops and hangs, leaving the shared server
 * alone; on SQLite with the store's connection closed), when migrations are pending or unknown,
 * when this process's worker is not running, and when a server rests until its account is
 * reconnected (a Gmail server whose grant is missing, found out by the real worker).
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { FastifyInstance } from 'fastify';
import { buildHttpApp, type HttpOptions } from '../../src/http/index.js';
import { openApp, type App } from '../../src/app/open-app.js';
import { schemaStatus } from '../../src/store/index.js';
import { UNTIL_FURTHER_NOTICE } from '../../src/oauth/index.js';
import type { Readiness } from '../../src/ops/readiness.js';
import { createEngine, type Engine } from '../helpers/engine.js';
import { startSink, type Sink } from '../helpers/smtp-sink.js';
import { testDatabaseKinds } from '../helpers/databases.js';
import { until } from '../helpers/wait.js';

type ReadyBody = Pick<Readiness, 'checks'> & { ready: boolean; reasons?: string[] };

/** A TCP proxy in front of PostgreSQL: `down` resets every connection, `hang` stops passing bytes, `up` passes them again. */
interface DbProxy {
  port: number;
  up(): void;
  down(): void;
  hang(): void;
  close(): Promise<void>;
}

async function startProxy(target: { host: string; port: number }): Promise<DbProxy> {
  let mode: 'up' | 'down' | 'hang' = 'up';
  const sockets = new Set<Socket>();
  const held: Array<() => void> = [];
  /** Bytes from `from` go to `to`, unless the proxy hangs: then they wait for `up`. */
  const pass = (from: Socket, to: Socket): void => {
    from.on('data', (chunk: Buffer) => (mode === 'hang' ? held.push(() => to.write(chunk)) : to.write(chunk)));
    from.on('close', () => to.destroy());
    from.on('error', () => to.destroy());
  };
  const server: Server = createServer((client) => {
    if (mode === 'down') return client.destroy();
    const upstream = connect(target.port, target.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    }
    pass(client, upstream);
    pass(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    up() {
      mode = 'up';
      for (const release of held.splice(0)) release();
    },
    down() {
      mode = 'down';
      held.length = 0;
      for (const s of sockets) s.destroy();
    },
    hang() {
      mode = 'hang';
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe.each(testDatabaseKinds())('health probes on %s', (kind) => {
  let engine: Engine | undefined;
  const closers: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    await engine?.close();
    engine = undefined;
  });

  async function http(app: App, options: HttpOptions = {}): Promise<FastifyInstance> {
    const built = await buildHttpApp(app, options);
    closers.push(() => built.close());
    return built;
  }

  async function readyz(app: FastifyInstance): Promise<{ status: number; body: ReadyBody }> {
    const answer = await app.inject({ method: 'GET', url: '/readyz' });
    return { status: answer.statusCode, body: answer.json<ReadyBody>() };
  }

  it('/healthz says the process is up, without a key', async () => {
    engine = await createEngine(kind);
    const app = await http(engine.app);
    const answer = await app.inject({ method: 'GET', url: '/healthz' });
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toEqual({ status: 'ok' });
    expect(answer.headers['cache-control']).toBe('no-store');
  });

  it('/readyz is ready on a fresh engine, and says when no worker runs here', async () => {
    engine = await createEngine(kind);
    const app = await http(engine.app, { health: { workersRunning: () => null } });
    const { status, body } = await readyz(app);
    expect(status).toBe(200);
    expect(body.ready).toBe(true);
    expect(body.reasons).toBeUndefined();
    expect(body.checks.database.ok).toBe(true);
    expect(body.checks.migrations).toMatchObject({ ok: true, pending: [], unknown: [] });
    expect(body.checks.workers).toMatchObject({ ok: true, running: null });
    expect(body.checks.workers.detail).toContain('--no-workers');
    expect(body.checks.servers).toMatchObject({ ok: true, resting: [] });
  });

  it('/readyz answers 503 once the process is shutting down, even with no worker here', async () => {
    engine = await createEngine(kind);
    let stopping = false;
    const app = await http(engine.app, { health: { workersRunning: () => null, stopping: () => stopping } });
    expect((await readyz(app)).status).toBe(200);
    stopping = true;
    const { status, body } = await readyz(app);
    expect(status).toBe(503);
    expect(body.reasons).toEqual([expect.stringMatching(/^stopping: this process is shutting down/)]);
  });

  it('/readyz follows the worker: ready while it runs, not once it stopped', async () => {
    engine = await createEngine(kind);
    const worker = engine.startWorker();
    const app = await http(engine.app, { health: { workersRunning: () => worker.running() } });
    const running = await readyz(app);
    expect(running.status).toBe(200);
    expect(running.body.checks.workers).toMatchObject({ ok: true, running: true });

    await worker.stop();
    const stopped = await readyz(app);
    expect(stopped.status).toBe(503);
    expect(stopped.body.ready).toBe(false);
    expect(stopped.body.checks.workers).toMatchObject({ ok: false, running: false });
    expect(stopped.body.reasons).toEqual([expect.stringMatching(/^workers: the delivery worker is not running/)]);
  });

  it('/readyz is not ready while migrations are pending or unknown, and names them', async () => {
    engine = await createEngine(kind);
    const db = engine.app.store.db;
    const app = await http(engine.app);
    const last = (await schemaStatus(db)).applied.at(-1)!;
    const row = await db.selectFrom('kysely_migration' as never).selectAll().where('name' as never, '=', last as never).executeTakeFirstOrThrow();

    await db.deleteFrom('kysely_migration' as never).where('name' as never, '=', last as never).execute();
    const pending = await readyz(app);
    expect(pending.status).toBe(503);
    expect(pending.body.checks.migrations).toMatchObject({ ok: false, pending: [last], unknown: [] });
    expect(pending.body.reasons).toEqual([`migrations: 1 migration(s) pending (${last}): run \`postroom migrate\``]);

    await db.insertInto('kysely_migration' as never).values(row as never).execute();
    expect((await readyz(app)).status).toBe(200);

    await db.insertInto('kysely_migration' as never).values({ ...(row as object), name: '9999-from-a-newer-postroom' } as never).execute();
    const unknown = await readyz(app);
    expect(unknown.status).toBe(503);
    expect(unknown.body.checks.migrations).toMatchObject({ ok: false, unknown: ['9999-from-a-newer-postroom'] });
    expect(unknown.body.reasons?.[0]).toContain('a newer version upgraded it');
  });

  it('/readyz names a server resting until its account is reconnected', async () => {
    engine = await createEngine(kind);
    // A Gmail server that was never connected: the worker finds out at AUTH and rests it.
    const sink: Sink = await startSink({ oauth: { accepts: () => false } });
    closers.push(() => sink.close());
    const gmail = await engine.addServer({ name: 'Shop Gmail', kind: 'gmail', account: 'shop@gmail.test', auth: 'oauth2', host: '127.0.0.1', port: sink.port, security: 'none' });
    const app = await http(engine.app);
    expect((await readyz(app)).status).toBe(200);

    await engine.enqueue({ from: 'shop@gmail.test', to: ['someone@example.org'], subject: 'Hi', text: 'Hello', server: gmail.id });
    engine.startWorker();
    await until('the server to rest', async () => {
      const row = await engine!.app.store.db.selectFrom('servers').select('paused_until').where('id', '=', gmail.id).executeTakeFirstOrThrow();
      return row.paused_until !== null && row.paused_until >= UNTIL_FURTHER_NOTICE ? true : undefined;
    });

    const { status, body } = await readyz(app);
    expect(status).toBe(503);
    expect(body.checks.servers.resting).toEqual([{ server: 'Shop Gmail', reason: expect.stringContaining('shop@gmail.test is not connected yet') }]);
    expect(body.reasons).toHaveLength(1);
    expect(body.reasons![0]).toMatch(/^servers: server "Shop Gmail" rests until its account is reconnected: Gmail account shop@gmail\.test is not connected yet/);
    // The other checks still pass: the reason is this server alone.
    expect(body.checks.database.ok && body.checks.migrations.ok).toBe(true);

    // An inactive server routes no mail: its rest is no reason to hold the process back.
    await engine.app.store.db.updateTable('servers').set({ active: 0 }).where('id', '=', gmail.id).execute();
    expect((await readyz(app)).status).toBe(200);
  });

  if (kind === 'postgres') {
    it('/readyz is not ready while PostgreSQL is unreachable or hung, and ready again when it is back', async () => {
      engine = await createEngine(kind);
      const target = new URL(engine.database.databaseUrl!);
      const proxy = await startProxy({ host: target.hostname, port: Number(target.port || 5432) });
      closers.push(() => proxy.close());
      const viaProxy = new URL(target);
      viaProxy.host = `127.0.0.1:${proxy.port}`;
      const app = await openApp({ ...engine.app.config, databaseUrl: viaProxy.toString() }, { log: pino({ level: 'silent' }), migrate: false });
      closers.push(() => app.close());
      const api = await http(app, { health: { databaseTimeoutMs: 500 } });

      expect((await readyz(api)).status).toBe(200);

      // A hung connection: the probe answers at its deadline rather than waiting for ever.
      proxy.hang();
      const hung = await readyz(api);
      expect(hung.status).toBe(503);
      expect(hung.body.checks.database.ok).toBe(false);
      expect(hung.body.reasons).toEqual([expect.stringMatching(/^database: cannot reach the database \(postgres:\/\/.*\): the database did not answer within 500 ms$/)]);
      proxy.up();
      await until('ready after the hang', async () => ((await readyz(api)).status === 200 ? true : undefined));

      // Stopped: every connection reset, new ones refused at once.
      proxy.down();
      const down = await readyz(api);
      expect(down.status).toBe(503);
      expect(down.body.reasons).toHaveLength(1);
      expect(down.body.reasons![0]).toMatch(/^database: cannot reach the database/);
      expect(down.body.checks.migrations).toMatchObject({ ok: false, detail: 'not checked: the database is unreachable' });

      proxy.up();
      const back = await until('ready once PostgreSQL is back', async () => {
        const answer = await readyz(api);
        return answer.status === 200 ? answer : undefined;
      });
      expect(back.body.checks.database.ok).toBe(true);
    });
  } else {
    it('/readyz is not ready once the SQLite connection is closed', async () => {
      engine = await createEngine(kind);
      // A second connection to the same file, as `serve` has: closing it leaves the engine's own alone.
      const app = await openApp(engine.app.config, { log: pino({ level: 'silent' }), migrate: false });
      const api = await http(app);
      expect((await readyz(api)).status).toBe(200);

      await app.store.close();
      const { status, body } = await readyz(api);
      expect(status).toBe(503);
      expect(body.checks.database.ok).toBe(false);
      expect(body.reasons).toHaveLength(1);
      expect(body.reasons![0]).toMatch(/^database: cannot reach the database \(sqlite:.*postroom\.db\): /);
    });
  }
});
