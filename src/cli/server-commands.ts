import { Command, Option } from 'commander';
import {
  createServer, updateServer, removeServer, listServers, findServer, publicServer, testConnection,
  type ServerFields, type OutgoingServer,
} from '../servers/index.js';
import { hostname } from 'node:os';
import { InputError } from '../lib/input-error.js';
import { withApp } from './context.js';
import { integer, oneOf, readEnvFlag, readFlagFile } from './flags.js';
import { table, time } from './output.js';

interface ServerFlags {
  name?: string;
  kind?: 'smtp' | 'sandbox';
  host?: string;
  port?: number;
  security?: 'none' | 'starttls' | 'tls';
  auth?: 'none' | 'password' | 'certificate';
  user?: string;
  passwordEnv?: string;
  cert?: string;
  key?: string;
  ca?: string;
  tlsVerify?: boolean;
  priority?: number;
  fromFilter?: string;
  maxConcurrent?: number;
  perMinute?: number;
  perHour?: number;
  perDay?: number;
  active?: boolean;
  inactive?: boolean;
}

function serverOptions(command: Command, forUpdate: boolean): Command {
  const limit = integer(0, 10_000_000);
  command
    .option('--host <host>', 'host name or IP address of the server')
    .option('--port <port>', 'TCP port (default 587 for starttls, 465 for tls, 25 for none)', integer(1, 65535))
    .addOption(new Option('--security <mode>', 'connection security').argParser(oneOf('none', 'starttls', 'tls')))
    .addOption(new Option('--auth <method>', 'authentication').argParser(oneOf('none', 'password', 'certificate')))
    .option('--user <username>', 'user name for password authentication')
    .option('--password-env <VAR>', 'read the password from this environment variable')
    .option('--cert <file>', 'PEM client certificate for certificate authentication')
    .option('--key <file>', 'PEM private key of the client certificate')
    .option('--ca <file>', 'PEM certificate authority to trust for this server (private relays)')
    .option('--tls-verify', "verify the server's TLS certificate (the default)")
    .option('--no-tls-verify', "do not verify the server's TLS certificate")
    .option('--priority <n>', 'lower numbers are preferred (default 10)', integer(0, 1_000_000))
    .option('--from-filter <filter>', 'empty, a domain, an address, or a comma-separated list')
    .option('--max-concurrent <n>', 'send no more than N messages at a time to this server', integer(1, 1000))
    .option('--per-minute <n>', 'at most N recipients per minute (0 = no limit)', limit)
    .option('--per-hour <n>', 'at most N recipients per hour (0 = no limit)', limit)
    .option('--per-day <n>', 'at most N recipients per day (0 = no limit)', limit)
    .option('--inactive', 'keep the server but do not route mail to it');
  if (forUpdate) command.option('--name <name>', 'rename the server').option('--active', 'route mail to the server again');
  else command.addOption(new Option('--kind <kind>', 'smtp, or sandbox to keep mail locally').argParser(oneOf('smtp', 'sandbox')));
  return command;
}

function fieldsFromFlags(flags: ServerFlags): Partial<ServerFields> {
  const fields: Partial<ServerFields> = {};
  if (flags.name !== undefined) fields.name = flags.name;
  if (flags.kind !== undefined) fields.kind = flags.kind;
  if (flags.host !== undefined) fields.host = flags.host;
  if (flags.port !== undefined) fields.port = flags.port;
  if (flags.security !== undefined) fields.security = flags.security;
  if (flags.auth !== undefined) fields.auth = flags.auth;
  if (flags.user !== undefined) fields.username = flags.user;
  if (flags.passwordEnv !== undefined) fields.password = readEnvFlag('--password-env', flags.passwordEnv);
  if (flags.cert !== undefined) fields.certificate = readFlagFile('--cert', flags.cert).toString('utf8');
  if (flags.key !== undefined) fields.privateKey = readFlagFile('--key', flags.key).toString('utf8');
  if (flags.ca !== undefined) fields.tlsCa = readFlagFile('--ca', flags.ca).toString('utf8');
  if (flags.tlsVerify !== undefined) fields.tlsVerify = flags.tlsVerify;
  if (flags.priority !== undefined) fields.priority = flags.priority;
  if (flags.fromFilter !== undefined) fields.fromFilter = flags.fromFilter;
  if (flags.maxConcurrent !== undefined) fields.maxConcurrent = flags.maxConcurrent;
  if (flags.perMinute !== undefined) fields.perMinute = flags.perMinute || null;
  if (flags.perHour !== undefined) fields.perHour = flags.perHour || null;
  if (flags.perDay !== undefined) fields.perDay = flags.perDay || null;
  if (flags.active && flags.inactive) throw new InputError('--active', 'cannot be combined with --inactive');
  if (flags.inactive) fields.active = false;
  if (flags.active) fields.active = true;
  return fields;
}

/** Maps a field of the server record to the flag that sets it, so errors name what the user typed. */
const FLAG_OF: Record<string, string> = {
  host: '--host', port: '--port', security: '--security', auth: '--auth', username: '--user', password: '--password-env',
  certificate: '--cert', privateKey: '--key', tlsCa: '--ca', priority: '--priority', fromFilter: '--from-filter',
  maxConcurrent: '--max-concurrent', perMinute: '--per-minute', perHour: '--per-hour', perDay: '--per-day', name: '--name',
};

function asFlagError(error: unknown): unknown {
  if (error instanceof InputError && FLAG_OF[error.field]) {
    return error.renamed(FLAG_OF[error.field]!);
  }
  return error;
}

export function describeServer(s: OutgoingServer): string[] {
  const limits = [
    s.maxConcurrent ? `${s.maxConcurrent} at a time` : null,
    s.perMinute ? `${s.perMinute}/min` : null,
    s.perHour ? `${s.perHour}/h` : null,
    s.perDay ? `${s.perDay}/day` : null,
  ].filter(Boolean);
  const status = !s.active ? 'inactive' : s.pausedUntil && s.pausedUntil > Date.now() ? `resting until ${time(s.pausedUntil)}` : 'active';
  return [
    s.name, s.kind, String(s.priority), s.fromFilter || '(any)', status,
    s.kind === 'smtp' ? `${s.host}:${s.port}` : '', s.kind === 'smtp' ? s.security : '', s.kind === 'smtp' ? s.auth : '', limits.join(', '),
  ];
}

export function serverCommands(): Command {
  const server = new Command('server').description('outgoing servers: add, list, update, remove, test');

  serverOptions(server.command('add').description('add an outgoing server').requiredOption('--name <name>', 'a name people recognise'), false).action(
    async (flags: ServerFlags, command: Command) =>
      withApp(command, async (app, out) => {
        const created = await createServer(app, { ...fieldsFromFlags(flags), name: flags.name ?? '' }).catch((e: unknown) => {
          throw asFlagError(e);
        });
        out.print(publicServer(created), () => `added server ${created.name} (${created.id})`);
      }),
  );

  server
    .command('list')
    .description('list outgoing servers in routing order')
    .action(async (_flags: unknown, command: Command) =>
      withApp(command, async (app, out) => {
        const servers = await listServers(app.store);
        out.print(servers.map(publicServer), () =>
          servers.length === 0 ? 'no servers' : table(['NAME', 'KIND', 'PRIORITY', 'FROM FILTER', 'STATUS', 'HOST', 'SECURITY', 'AUTH', 'LIMITS'], servers.map(describeServer)),
        );
      }),
    );

  serverOptions(server.command('update').description('change an outgoing server').argument('<name>', 'server name or id'), true).action(
    async (name: string, flags: ServerFlags, command: Command) =>
      withApp(command, async (app, out) => {
        const updated = await updateServer(app, name, fieldsFromFlags(flags)).catch((e: unknown) => {
          throw asFlagError(e);
        });
        out.print(publicServer(updated), () => `updated server ${updated.name}`);
      }),
  );

  server
    .command('remove')
    .description('remove an outgoing server')
    .argument('<name>', 'server name or id')
    .action(async (name: string, _flags: unknown, command: Command) =>
      withApp(command, async (app, out) => {
        const removed = await removeServer(app.store, name);
        out.print({ removed: removed.id, name: removed.name }, () => `removed server ${removed.name}`);
      }),
    );

  server
    .command('test')
    .description('Test Connection: connect, TLS, authenticate and quit, without sending mail')
    .argument('<name>', 'server name or id')
    .action(async (name: string, _flags: unknown, command: Command) =>
      withApp(command, async (app, out) => {
        const found = await findServer(app.store, name);
        const result = await testConnection(found, app.secrets, hostname());
        out.print({ server: found.name, ...result }, () => (result.ok ? `ok: ${result.detail}` : `failed at ${result.message}`));
        if (!result.ok) process.exitCode = 1;
      }),
    );

  return server;
}

