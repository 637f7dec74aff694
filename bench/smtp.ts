/**
 * Relay benchmark: messages accepted per second by the SMTP relay (AUTH PLAIN, 250 only after
 * commit) from 16 concurrent client connections (nodemailer's pool), against
 * `postroom serve --no-workers` in its own process. Every 250 is checked against the spool.
 * When Debian's Postfix is installed (and this runs as root), Postfix's smtpd then takes the same
 * load on a loopback port as the comparison (bench/postfix-smtpd.ts); --no-postfix skips it.
 *
 *   npm run bench:smtp                                  SQLite in a temp directory
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:smtp
 *   node dist/bench/smtp.js --connections 16 --messages 10000
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { loadConfig } from '../src/config/index.js';
import { openApp } from '../src/app/open-app.js';
import { createSmtpCredential, createUser } from '../src/users/index.js';
import { createBenchDatabase } from './bench-database.js';
import { freePort } from './free-port.js';
import { postfixAvailable, startPostfix } from './postfix-smtpd.js';
import { sendLoad } from './smtp-load.js';

const { values: flags } = parseArgs({ options: { connections: { type: 'string', default: '16' }, messages: { type: 'string', default: '10000' }, 'no-postfix': { type: 'boolean', default: false } } });
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
    const { seconds, ids } = await sendLoad({ port, connections, total, auth: { user: credential.username, pass: password } });
    const stored = await app.store.db.selectFrom('messages').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    console.log(`relay on ${app.store.description}: ${total} messages from ${connections} connections in ${seconds.toFixed(2)} s = ${Math.round(total / seconds)} accepted/s; ${Number(stored.n)} in the spool`);
    if (Number(stored.n) !== total || new Set(ids).size !== total) throw new Error('a 250 without its message in the spool');
  } finally {
    server.kill('SIGTERM');
    await app.close();
    await database.drop();
  }
  if (!flags['no-postfix']) await comparePostfix();
}

/** The same load against Postfix's smtpd, when it is installed. */
async function comparePostfix(): Promise<void> {
  if (!postfixAvailable()) {
    console.log('Postfix comparison skipped: /usr/sbin/postfix is not installed or this is not root (apt-get install postfix)');
    return;
  }
  const postfix = startPostfix(await freePort());
  try {
    await waitForPort(postfix.port);
    const { seconds, ids } = await sendLoad({ port: postfix.port, connections, total });
    console.log(`Postfix smtpd (queue fsynced, then discarded): ${total} messages from ${connections} connections in ${seconds.toFixed(2)} s = ${Math.round(total / seconds)} accepted/s; ${ids.length} answered 250`);
  } finally {
    postfix.stop();
  }
}

async function waitForPort(port: number): Promise<void> {
  const { connect } = await import('node:net');
  for (let i = 0; i < 100; i++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      }).once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Postfix is not listening on 127.0.0.1:${port}`);
}

await main();
