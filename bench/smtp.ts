/**
 * Relay benchmark: messages accepted per second by the SMTP relay (AUTH PLAIN, 250 only after
 * commit) from 16 concurrent client connections (nodemailer's pool), against
 * `postroom serve --no-workers` in its own process. Every 250 is checked against the spool.
 *
 *   npm run bench:smtp                                  SQLite in a temp directory
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:smtp
 *   node dist/bench/smtp.js --connections 16 --messages 10000
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import nodemailer from 'nodemailer';
import { pino } from 'pino';
import { loadConfig } from '../src/config/index.js';
import { openApp } from '../src/app/open-app.js';
import { createSmtpCredential, createUser } from '../src/users/index.js';
import { createBenchDatabase } from './bench-database.js';
import { freePort } from './free-port.js';

const { values: flags } = parseArgs({ options: { connections: { type: 'string', default: '16' }, messages: { type: 'string', default: '10000' } } });
const connections = Number(flags.connections);
const total = Number(flags.messages);
const SECRET = 'ab'.repeat(32);

async function main(): Promise<void> {
  const database = await createBenchDatabase();
  const env = { ...process.env, POSTROOM_DATA_DIR: database.dataDir, POSTROOM_SECRET_KEY: SECRET, POSTROOM_LOG_LEVEL: 'warn', POSTROOM_SMTP_MAX_CONNECTIONS_PER_IP: String(connections + 4), ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}) };
  const config = loadConfig({ dataDir: database.dataDir, databaseUrl: database.databaseUrl }, { POSTROOM_SECRET_KEY: SECRET });
  const app = await openApp(config, { log: pino({ level: 'silent' }) });
  const user = await createUser(app, { email: 'bench@example.com', role: 'sender', password: 'correct horse battery staple' });
  const { credential, password } = await createSmtpCredential(app, user.id, { allowFrom: 'example.com' });

  const port = await freePort();
  const main = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli', 'main.js');
  const server = spawn(process.execPath, [main, 'serve', '--no-workers', '--http', '127.0.0.1:0', '--inbound', 'off', '--smtp', `127.0.0.1:${port}`], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      let out = '';
      server.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('SMTP relay for applications')) resolve();
      });
      server.once('exit', () => reject(new Error('serve exited before it listened')));
    });
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port, pool: true, maxConnections: connections, maxMessages: Infinity, auth: { user: credential.username, pass: password } });
    const text = 'Hello from the relay benchmark.\n'.repeat(30);
    let next = 0;
    const ids: string[] = [];
    const started = performance.now();
    await Promise.all(
      Array.from({ length: connections * 2 }, async () => {
        while (next < total) {
          const n = next++;
          const info = await transport.sendMail({ from: 'sender@example.com', to: `rcpt${n}@example.org`, subject: `Message ${n}`, text });
          ids.push(/queued as (\S+)/.exec(info.response)![1]!);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    transport.close();
    const stored = await app.store.db.selectFrom('messages').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    console.log(`relay on ${app.store.description}: ${total} messages from ${connections} connections in ${seconds.toFixed(2)} s = ${Math.round(total / seconds)} accepted/s; ${Number(stored.n)} in the spool`);
    if (Number(stored.n) !== total || new Set(ids).size !== total) throw new Error('a 250 without its message in the spool');
  } finally {
    server.kill('SIGTERM');
    await app.close();
    await database.drop();
  }
}

await main();
