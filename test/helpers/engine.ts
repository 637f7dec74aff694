/** A Postroom engine on a fresh test database: the real store, spool, servers and worker. */
import { pino, type Logger } from 'pino';
import { loadConfig, type Config } from '../../src/config/index.js';
import { openApp, type App } from '../../src/app/open-app.js';
import { enqueueMessage } from '../../src/spool/index.js';
import { getMessage, type MessageDetail } from '../../src/spool/index.js';
import { createServer, type ServerInput, type OutgoingServer } from '../../src/servers/index.js';
import { startWorker, type Worker } from '../../src/delivery/index.js';
import type { Clock } from '../../src/lib/clock.js';
import { createTestDatabase, type TestDatabase, type TestDatabaseKind } from './databases.js';

export interface EngineOptions {
  clock?: Clock;
  worker?: Partial<Config['worker']>;
  retry?: Partial<Config['retry']>;
  /** DNS server (HOST:PORT) for the worker's lookups; default: none reachable. */
  dns?: string;
  /** Direct delivery: the MTA-STS policy port and extra trusted CA file. */
  direct?: Partial<Config['direct']>;
  /** Gmail / Microsoft OAuth endpoints (a fake authorization server in tests). */
  oauth?: Partial<Config['oauth']>;
  /** The SMTP relay's limits and TLS. */
  smtp?: Partial<Config['smtp']>;
  /** The engine's logger (default: silent unless POSTROOM_TEST_LOG sets a level). */
  log?: Logger;
}

export interface Engine {
  app: App;
  database: TestDatabase;
  addServer(input: ServerInput): Promise<OutgoingServer>;
  enqueue(input: Record<string, unknown>): Promise<string>;
  startWorker(): Worker;
  message(id: string): Promise<MessageDetail>;
  /** Waits until every given message has reached one of `statuses`. */
  waitForStatus(ids: string[], statuses: string[], timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** A DNS server address where nothing listens: every lookup fails at once (ECONNREFUSED). */
export const NO_DNS = '127.0.0.1:9';

export async function createEngine(kind: TestDatabaseKind, options: EngineOptions = {}): Promise<Engine> {
  const database = await createTestDatabase(kind);
  const base = loadConfig({ dataDir: database.dataDir, databaseUrl: database.databaseUrl }, {});
  const config: Config = {
    ...base,
    secretKey: '0'.repeat(64),
    worker: { ...base.worker, pollMs: 25, leaseMs: 30_000, ...options.worker },
    retry: { ...base.retry, firstDelayMs: 200, maxDelayMs: 2_000, serverBackoffMs: 300, ...options.retry },
    // No DNS leaves the machine: lookups go to a local test server, or to a closed port and fail at once.
    dns: { ...base.dns, servers: options.dns ?? NO_DNS },
    direct: { ...base.direct, ...options.direct },
    oauth: { ...base.oauth, ...options.oauth },
    smtp: { ...base.smtp, ...options.smtp },
  };
  const app = await openApp(config, { clock: options.clock, log: options.log ?? pino({ level: process.env.POSTROOM_TEST_LOG ?? 'silent' }) });
  const workers: Worker[] = [];
  const engine: Engine = {
    app,
    database,
    addServer: (input) => createServer(app, input),
    enqueue: (input) => enqueueMessage({ store: app.store, clock: app.clock, lifetimeMs: config.retry.lifetimeMs }, input),
    startWorker() {
      const worker = startWorker({ store: app.store, clock: app.clock, secrets: app.secrets, config, log: app.log, clientName: 'postroom.test' });
      workers.push(worker);
      return worker;
    },
    message: (id) => getMessage(app.store, id),
    async waitForStatus(ids, statuses, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const rows = await app.store.db.selectFrom('messages').select(['id', 'status']).where('id', 'in', ids).execute();
        const pending = rows.filter((r) => !statuses.includes(r.status));
        if (pending.length === 0 && rows.length === ids.length) return;
        if (Date.now() > deadline) {
          throw new Error(`timed out waiting for ${statuses.join('/')}: ${pending.slice(0, 5).map((r) => `${r.id}=${r.status}`).join(', ')}`);
        }
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async close() {
      await Promise.all(workers.map((w) => w.stop()));
      await app.close();
      await database.drop();
    },
  };
  return engine;
}

export function smtpServer(port: number, extra: Partial<ServerInput> = {}): ServerInput {
  return { name: `sink-${port}`, host: '127.0.0.1', port, security: 'none', auth: 'none', ...extra };
}

export function simpleMessage(n: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { from: 'sender@example.com', to: [`rcpt${n}@example.org`], subject: `Message ${n}`, text: `Hello ${n}`, ...extra };
}
