/**
 * API benchmark: messages accepted per second by `POST /api/v1/messages`, with p50 / p99 latency,
 * from 32 concurrent keep-alive clients (autocannon) against `postroom serve --no-workers` in its
 * own process. Every 202 is checked against the spool afterwards.
 *
 *   npm run bench:api                                   SQLite in a temp directory
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:api
 *   node dist/bench/api.js --connections 32 --seconds 10 --json
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { pino } from 'pino';
import { loadConfig } from '../src/config/index.js';
import { openApp } from '../src/app/open-app.js';
import { createApiKey, createUser } from '../src/users/index.js';
import { messageFor } from './messages.js';
import { createBenchDatabase } from './bench-database.js';
import { freePort } from './free-port.js';

const { values: flags } = parseArgs({
  options: {
    connections: { type: 'string', default: '32' },
    seconds: { type: 'string', default: '10' },
    json: { type: 'boolean', default: false },
  },
});
const connections = Number(flags.connections);
const seconds = Number(flags.seconds);
const say = (line: string): void => void (flags.json ? process.stderr : process.stdout).write(line + '\n');
const SECRET = 'ab'.repeat(32);

async function main(): Promise<void> {
  const database = await createBenchDatabase();
  const env = { ...process.env, POSTROOM_DATA_DIR: database.dataDir, POSTROOM_SECRET_KEY: SECRET, POSTROOM_LOG_LEVEL: 'warn', POSTROOM_API_RATE_LIMIT: '100000000', ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}) };
  const config = loadConfig({ dataDir: database.dataDir, databaseUrl: database.databaseUrl }, { POSTROOM_SECRET_KEY: SECRET });
  const app = await openApp(config, { log: pino({ level: 'silent' }) });
  const user = await createUser(app, { email: 'bench@example.com', role: 'sender', password: 'correct horse battery staple' });
  const { key } = await createApiKey(app, user.id, 'bench');

  const port = await freePort();
  const main = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli', 'main.js');
  const server = spawn(process.execPath, [main, 'serve', '--no-workers', '--http', `127.0.0.1:${port}`, '--smtp', 'off'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    const base = `http://127.0.0.1:${port}`;
    for (let tries = 0; ; tries++) {
      const ready = await fetch(`${base}/api/v1/openapi.json`).then((r) => r.ok, () => false);
      if (ready) break;
      if (tries > 100) throw new Error('the server did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    const bodies = Array.from({ length: 1000 }, (_, i) => JSON.stringify(messageFor(i)));
    let next = 0;
    const run = (duration: number) =>
      autocannon({
        url: `${base}/api/v1/messages`,
        method: 'POST',
        connections,
        duration,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        requests: [{ setupRequest: (request) => ({ ...request, body: bodies[next++ % bodies.length] }) }],
      });

    say(`POST /api/v1/messages, ${connections} connections, ~${bodies[0]!.length} byte bodies; database: ${database.description}`);
    await run(2); // warm-up, not counted
    const settle = () => new Promise((r) => setTimeout(r, 500)); // requests still in flight land
    await settle();
    const before = Number((await app.store.db.selectFrom('messages').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const result = await run(seconds);
    await settle();
    const after = Number((await app.store.db.selectFrom('messages').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const accepted = result['2xx'];
    // Requests still in flight when the run ends are stored but not counted: at most one per connection.
    if (after - before < accepted || after - before > accepted + connections) {
      throw new Error(`${accepted} requests answered 202 but ${after - before} messages were stored`);
    }
    const summary = {
      database: database.description,
      connections,
      seconds: result.duration,
      accepted,
      acceptedPerSecond: accepted / result.duration,
      non2xx: result.non2xx,
      errors: result.errors,
      latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
    };
    say(`accepted: ${accepted} in ${result.duration.toFixed(1)} s = ${Math.round(summary.acceptedPerSecond)}/s (non-2xx ${result.non2xx}, errors ${result.errors})`);
    say(`latency: p50 ${result.latency.p50} ms, p90 ${result.latency.p90} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms`);
    say(`stored: ${after - before} messages (every 202, and the requests still in flight when the run ended)`);
    if (flags.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    await app.close();
    await database.drop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`api benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
