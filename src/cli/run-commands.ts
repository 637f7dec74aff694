import { Command } from 'commander';
import { startWorker } from '../delivery/index.js';
import { ensureSandboxServer, listServers } from '../servers/index.js';
import { startCampaignMonitor } from '../campaigns/index.js';
import { migrateToLatest } from '../store/index.js';
import { ensureFirstAdmin } from '../users/index.js';
import { startWebhooks } from '../webhooks/index.js';
import { InputError } from '../lib/input-error.js';
import { withApp } from './context.js';
import type { App } from '../app/open-app.js';
import type { Output } from './output.js';

/**
 * Runs the worker until SIGINT / SIGTERM; a second signal exits at once. `ready` runs once the
 * signals are handled: whoever is told "running" may stop it at once.
 */
async function runWorker(app: App, out: Output, exitWhenIdle: boolean, ready?: () => void): Promise<void> {
  const worker = startWorker({ store: app.store, clock: app.clock, secrets: app.secrets, config: app.config, log: app.log }, { exitWhenIdle });
  // Campaigns started through the API are expanded here, and finished ones marked so.
  const campaigns = startCampaignMonitor({ store: app.store, clock: app.clock, log: app.log, lifetimeMs: app.config.retry.lifetimeMs });
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals > 1) process.exit(130);
    app.log.info({ signal }, 'stopping: finishing messages in flight (signal again to exit at once)');
    void worker.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  ready?.();
  try {
    await worker.done;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await campaigns.stop();
  }
  const stats = worker.stats();
  out.print({ stopped: true, ...stats }, () => `stopped after recording ${stats.recorded} outcome(s)`);
}

/** Resolves on the first SIGINT or SIGTERM; `ready` runs once they are handled. */
function untilSignal(app: App, ready?: () => void): Promise<void> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      app.log.info({ signal }, 'stopping');
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    ready?.();
  });
}

export function runCommands(): Command[] {
  const serve = new Command('serve')
    .description('run Postroom: the HTTP API and the delivery workers')
    .option('--http <host:port>', 'where the HTTP API listens', '127.0.0.1:8025')
    .option('--no-workers', 'serve the API only; `postroom worker` processes deliver')
    .action(async (flags: { http: string; workers: boolean }, command: Command) =>
      withApp(command, async (app, out) => {
        const listen = parseListen('--http', flags.http);
        const sandbox = await ensureSandboxServer(app);
        const servers = await listServers(app.store);
        const admin = await ensureFirstAdmin(app);
        // The HTTP stack is loaded only by the command that serves it.
        const { buildHttpApp } = await import('../http/index.js');
        const http = await buildHttpApp(app);
        await http.listen(listen);
        const webhooks = startWebhooks({ store: app.store, clock: app.clock, secrets: app.secrets, log: app.log });
        const bound = http.server.address();
        const url = typeof bound === 'object' && bound ? `http://${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}` : `http://${listen.host}:${listen.port}`;
        // Said only once a signal would stop it cleanly: a supervisor may send one as soon as it reads this.
        const announce = (): void => {
          if (!out.json) {
            process.stdout.write(
              `Postroom is running on ${app.store.description}\n` +
                (sandbox ? `Created the "Sandbox" server: it keeps mail locally until you add a real one (npx postroom server add …).\n` : '') +
                `Servers: ${servers.map((s) => `${s.name}${s.active ? '' : ' (inactive)'}`).join(', ')}\n` +
                `Web UI: ${url}/\n` +
                `Send a message: npx postroom send --from you@example.com --to someone@example.org --subject Hi --text Hello\n` +
                `HTTP API: ${url}/api/v1 (OpenAPI: ${url}/api/v1/openapi.json)\n` +
                (admin
                  ? `Created the admin user ${admin.user.email} with the one-time password ${admin.password}\n` +
                    `  (shown once; create an API key with: npx postroom apikey create --user ${admin.user.email})\n`
                  : '') +
                `Press Ctrl-C to stop.\n`,
            );
          } else if (admin) {
            out.print({ admin: admin.user.email, password: admin.password }, () => '');
          }
        };
        try {
          if (flags.workers) await runWorker(app, out, false, announce);
          else await untilSignal(app, announce);
        } finally {
          await webhooks.stop();
          await http.close();
        }
      }),
    );

  const worker = new Command('worker')
    .description('run delivery workers only')
    .option('--exit-when-idle', 'exit once nothing is due and nothing is in flight')
    .action(async (flags: { exitWhenIdle?: boolean }, command: Command) =>
      withApp(command, async (app, out) => runWorker(app, out, !!flags.exitWhenIdle)),
    );

  const migrate = new Command('migrate').description('bring the database schema up to date').action(async (_flags: unknown, command: Command) =>
    withApp(
      command,
      async (app, out) => {
        const result = await migrateToLatest(app.store.db);
        out.print(result, () => (result.applied.length ? `applied ${result.applied.join(', ')}` : 'the schema is up to date'));
      },
      { migrate: false },
    ),
  );
  return [serve, worker, migrate];
}

function parseListen(flag: string, value: string): { host: string; port: number } {
  const match = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(value);
  const port = match ? Number(match[2]) : NaN;
  if (!match || port < 0 || port > 65535) throw new InputError(flag, `expected HOST:PORT, got "${value}"`);
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
}
