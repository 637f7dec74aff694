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
import { readDestinationUsage, readQuotaUsage } from '../servers/read-server-usage.js';
import { describeServerState } from '../servers/describe-server-state.js';
import { completeAuthorization, grantStatus, openLoopbackRedirect, startAuthorization } from '../oauth/index.js';
import type { App } from '../app/open-app.js';

interface ServerFlags {
  name?: string;
  kind?: ServerFields['kind'];
  ehloName?: string;
  sourceAddress?: string[];
  account?: string;
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
    .option('--inactive', 'keep the server but do not route mail to it')
    .option('--ehlo-name <name>', 'name to send with EHLO (default: this host name)')
    .option('--source-address <ip>', 'direct delivery: a local IPv4 or IPv6 address to send from (repeat for a pool)', (v: string, all: string[] = []) => [...all, v])
    .option('--account <address>', 'gmail / microsoft: the account address mail is sent as');
  if (forUpdate) command.option('--name <name>', 'rename the server').option('--active', 'route mail to the server again');
  else
    command.addOption(
      new Option('--kind <kind>', "smtp; direct (Postroom's own delivery to recipients' MX hosts); gmail or microsoft (an account, with an app password or `server connect`); sandbox (keeps mail locally)").argParser(
        oneOf('smtp', 'direct', 'gmail', 'microsoft', 'sandbox'),
      ),
    );
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
  if (flags.ehloName !== undefined) fields.ehloName = flags.ehloName;
  if (flags.sourceAddress !== undefined) fields.sourceAddresses = flags.sourceAddress;
  if (flags.account !== undefined) fields.account = flags.account;
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
  ehloName: '--ehlo-name', sourceAddresses: '--source-address', account: '--account',
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
  const relay = s.kind === 'smtp' || s.kind === 'gmail' || s.kind === 'microsoft';
  return [
    s.name, s.kind, String(s.priority), s.fromFilter || '(any)', shortState(s),
    relay ? `${s.host}:${s.port}` : s.kind === 'direct' ? `MX port ${s.port}` : '', relay ? s.security : '', relay ? s.auth : '', limits.join(', '),
  ];
}

/** The state for the list: "paused until 2026-12-02 14:05 UTC" (`server show` says why). */
function shortState(s: OutgoingServer): string {
  const { state, text } = describeServerState(s, Date.now());
  if (state === 'active' || state === 'inactive') return state;
  return text.split(state === 'unhealthy' ? ': ' : ' because: ')[0]!;
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
    .command('show')
    .description("one server: its state, how much of its quotas is used, and (direct) its paused or slowed destinations")
    .argument('<name>', 'server name or id')
    .action(async (name: string, _flags: unknown, command: Command) =>
      withApp(command, async (app, out) => {
        const found = await findServer(app.store, name);
        const now = app.clock.now();
        const [quotas, destinations, grant] = await Promise.all([
          readQuotaUsage(app.store, found, now),
          readDestinationUsage(app.store, found, now),
          found.auth === 'oauth2' ? grantStatus(app.store, found.id) : Promise.resolve(null),
        ]);
        const state = describeServerState(found, now);
        out.print({ ...publicServer(found), state: state.state, stateText: state.text, quotas, destinations, ...(grant ? { oauthConnected: grant.connected, oauthRevoked: grant.revoked } : {}) }, () =>
          [
            `${found.name} (${found.kind}, ${found.id})`,
            `state: ${state.text}`,
            ...(grant ? [`account: ${found.account ?? ''} ${grant.connected ? 'connected' : grant.revoked ? 'revoked: reconnect it with `postroom server connect`' : 'not connected yet'}`] : []),
            ...quotas.map((q) => `quota per ${q.window}: ${q.used} of ${q.limit} used, the count starts again at ${time(q.resetsAt)}`),
            ...(destinations.length > 0
              ? ['', table(['DESTINATION', 'STATE', 'UNTIL', 'BECAUSE'], destinations.map((d) => [d.destination, d.state === 'slowed' ? `slowed to ${d.rate ?? '?'}/min` : 'paused', time(d.until), d.reason]))]
              : []),
          ].join('\n'),
        );
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

  connectCommand(server);
  return server;
}

interface ConnectFlags {
  name: string;
  account?: string;
  clientId?: string;
  clientSecret?: string;
  clientSecretEnv?: string;
  priority?: number;
  fromFilter?: string;
  host?: string;
  port?: number;
  security?: 'none' | 'starttls' | 'tls';
  ca?: string;
  timeout: number;
}

/**
 * `server connect gmail|microsoft`: adds the server (or takes the one named --name), then
 * connects its account with OAuth 2.0 the way RFC 8252 describes for a native app: the
 * provider's sign-in page is opened in a browser and sends it back to a listener on 127.0.0.1.
 */
function connectCommand(server: Command): void {
  server
    .command('connect')
    .description('connect a Gmail / Google Workspace or Microsoft 365 account with OAuth 2.0 (adds the server, or reconnects it)')
    .argument('<provider>', 'gmail or microsoft', oneOf('gmail', 'microsoft'))
    .requiredOption('--name <name>', 'the server to add or reconnect')
    .option('--account <address>', 'the address the server sends as (required for a new server)')
    .option('--client-id <id>', 'OAuth client id of your Google Cloud or Microsoft Entra app (kept for reconnecting)')
    .option('--client-secret <secret>', 'its client secret (kept, sealed)')
    .option('--client-secret-env <VAR>', 'read the client secret from this environment variable instead')
    .option('--priority <n>', 'lower numbers are preferred (default 10)', integer(0, 1_000_000))
    .option('--from-filter <filter>', 'Gmail: which From addresses it carries (Microsoft: always the account)')
    .option('--host <host>', "the provider's SMTP host (default smtp.gmail.com or smtp.office365.com)")
    .option('--port <port>', 'its port (default 465 for Gmail, 587 for Microsoft)', integer(1, 65535))
    .addOption(new Option('--security <mode>', 'connection security when --host is given').argParser(oneOf('none', 'starttls', 'tls')))
    .option('--ca <file>', 'PEM certificate authority to trust for that host')
    .option('--timeout <seconds>', 'how long to wait for the browser', integer(10, 3600), 300)
    .action(async (provider: 'gmail' | 'microsoft', flags: ConnectFlags, command: Command) =>
      withApp(command, async (app, out) => {
        const clientSecret = flags.clientSecretEnv !== undefined ? readEnvFlag('--client-secret-env', flags.clientSecretEnv) : flags.clientSecret;
        const target = await connectableServer(app, provider, flags);
        const deps = { store: app.store, clock: app.clock, secrets: app.secrets, oauth: app.config.oauth };
        const redirect = await openLoopbackRedirect();
        try {
          const started = await startAuthorization(deps, target, { redirectUri: redirect.redirectUri, clientId: flags.clientId, clientSecret }).catch((e: unknown) => {
            throw e instanceof InputError && e.field === 'clientId' ? e.renamed('--client-id') : e;
          });
          process.stderr.write(`Open this address in a browser and sign in as ${target.account}:\n\n  ${started.authorizeUrl}\n\nWaiting for the browser (up to ${Math.round(flags.timeout / 60)} min)...\n`);
          const done = await redirect.receive(
            started.state,
            async (query) => {
              const result = await completeAuthorization(deps, { state: started.state, code: query.get('code') ?? undefined, error: query.get('error') ?? undefined, errorDescription: query.get('error_description') ?? undefined });
              const text = result.ok ? `Postroom: server ${result.server.name} is connected as ${result.account}. You can close this page.` : `Postroom could not connect the account: ${result.reason}`;
              return { result, page: { ok: result.ok, text } };
            },
            flags.timeout * 1000,
          );
          if (!done.ok) throw new Error(`server ${target.name} is not connected: ${done.reason}`);
          out.print({ connected: true, account: done.account, server: publicServer(done.server) }, () => `connected server ${done.server.name} as ${done.account}`);
        } finally {
          await redirect.close();
        }
      }),
    );
}

/** The server named --name (brought in line with the flags given), or a new one. */
async function connectableServer(app: App, kind: 'gmail' | 'microsoft', flags: ConnectFlags): Promise<OutgoingServer> {
  const fields: Partial<ServerFields> = { auth: 'oauth2' };
  if (flags.account !== undefined) fields.account = flags.account;
  if (flags.priority !== undefined) fields.priority = flags.priority;
  if (flags.fromFilter !== undefined) fields.fromFilter = flags.fromFilter;
  if (flags.host !== undefined) fields.host = flags.host;
  if (flags.port !== undefined) fields.port = flags.port;
  if (flags.security !== undefined) fields.security = flags.security;
  if (flags.ca !== undefined) fields.tlsCa = readFlagFile('--ca', flags.ca).toString('utf8');
  const flagError = (e: unknown): never => {
    throw e instanceof InputError && e.field === 'account' ? e.renamed('--account') : asFlagError(e);
  };
  const existing = await findServer(app.store, flags.name).catch((e: unknown) => (e instanceof InputError ? null : Promise.reject(e)));
  if (!existing) return createServer(app, { ...fields, name: flags.name, kind }).catch(flagError);
  if (existing.kind !== kind) throw new InputError('--name', `server "${existing.name}" is a ${existing.kind} server, not ${kind}`);
  const changed = Object.entries(fields).some(([key, value]) => (existing as unknown as Record<string, unknown>)[key] !== value);
  // Changing a server ends its rest and rebuilds its sessions: only when something really changes.
  return changed ? updateServer(app, existing.id, fields).catch(flagError) : existing;
}

