import { Command } from 'commander';
import { startWorker } from '../delivery/index.js';
import { ensureSandboxServer, listServers } from '../servers/index.js';
import { migrateToLatest } from '../store/index.js';
import { withApp } from './context.js';
import type { App } from '../app/open-app.js';
import type { Output } from './output.js';

/** Runs the worker until SIGINT / SIGTERM; a second signal exits at once. */
async function runWorker(app: App, out: Output, exitWhenIdle: boolean): Promise<void> {
  const worker = startWorker({ store: app.store, clock: app.clock, secrets: app.secrets, config: app.config, log: app.log }, { exitWhenIdle });
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals > 1) process.exit(130);
    app.log.info({ signal }, 'stopping: finishing messages in flight (signal again to exit at once)');
    void worker.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await worker.done;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const stats = worker.stats();
  out.print({ stopped: true, ...stats }, () => `stopped after recording ${stats.recorded} outcome(s)`);
}

export function runCommands(): Command[] {
  const serve = new Command('serve')
    .description('run Postroom: delivery workers (the HTTP API and SMTP listeners join in later versions)')
    .action(async (_flags: unknown, command: Command) =>
      withApp(command, async (app, out) => {
        const sandbox = await ensureSandboxServer(app);
        const servers = await listServers(app.store);
        if (!out.json) {
          process.stdout.write(
            `Postroom is running on ${app.store.description}\n` +
              (sandbox ? `Created the "Sandbox" server: it keeps mail locally until you add a real one (npx postroom server add …).\n` : '') +
              `Servers: ${servers.map((s) => `${s.name}${s.active ? '' : ' (inactive)'}`).join(', ')}\n` +
              `Send a message: npx postroom send --from you@example.com --to someone@example.org --subject Hi --text Hello\n` +
              `Press Ctrl-C to stop.\n`,
          );
        }
        await runWorker(app, out, false);
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
