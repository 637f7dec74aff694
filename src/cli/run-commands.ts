import { Command } from 'commander';
import { startWorker, type StopResult, type Worker } from '../delivery/index.js';
import { ensureSandboxServer, listServers } from '../servers/index.js';
import { startCampaignMonitor } from '../campaigns/index.js';
import { migrateToLatest } from '../store/index.js';
import { ensureFirstAdmin } from '../users/index.js';
import { startWebhooks } from '../webhooks/index.js';
import { openSpoolIntake, type SpoolIntake } from '../spool/index.js';
import { InputError } from '../lib/input-error.js';
import { withApp } from './context.js';
import type { App } from '../app/open-app.js';
import type { Output } from './output.js';
import type { InboundServer } from '../feedback/inbound-server.js';
import type { RelayListen, RelayServer } from '../smtp/index.js';
import { loadBounceRules } from '../feedback/bounce-rules.js';

interface RunWorkerOptions {
  exitWhenIdle?: boolean;
  /** Runs once the signals are handled: whoever is told "running" may stop it at once. */
  ready?: () => void;
  started?: (worker: Worker) => void;
  /** Runs at the first signal, while the worker stops (serve closes its listeners meanwhile). */
  stopping?: () => void;
}

/**
 * Runs the worker until SIGINT / SIGTERM. The first signal stops claiming: SMTP transactions
 * under way finish (for at most shutdown.graceMs) and everything not yet sending goes back to
 * the queue at once, for another worker. A second signal exits at once.
 */
async function runWorker(app: App, out: Output, options: RunWorkerOptions = {}): Promise<void> {
  const worker = startWorker({ store: app.store, clock: app.clock, secrets: app.secrets, config: app.config, log: app.log }, { exitWhenIdle: options.exitWhenIdle });
  options.started?.(worker);
  // Campaigns started through the API are expanded here, and finished ones marked so.
  // The guardrail's rates are a few grouped counts per sending campaign: every 10 s is plenty.
  let guarded = 0;
  const guardrail = async (): Promise<void> => {
    if (app.clock.now() - guarded < 10_000) return;
    guarded = app.clock.now();
    const { checkGuardrails } = await import('../feedback/guardrail.js');
    await checkGuardrails(app);
  };
  const campaigns = startCampaignMonitor({ store: app.store, clock: app.clock, log: app.log, lifetimeMs: app.config.retry.lifetimeMs, everyRound: guardrail });
  const graceMs = app.config.shutdown.graceMs;
  let signals = 0;
  let stopped: Promise<StopResult> | null = null;
  let signalled!: () => void;
  const firstSignal = new Promise<void>((resolve) => (signalled = resolve));
  const onSignal = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals > 1) {
      app.log.warn({ signal }, 'second signal: exiting at once');
      process.exit(130);
    }
    app.log.info({ signal, graceMs }, 'stopping: no new claims; transactions under way finish, the rest goes back to the queue (signal again to exit at once)');
    options.stopping?.();
    stopped = worker.stop({ graceMs });
    signalled();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  options.ready?.();
  let result: StopResult = { stillSending: 0 };
  try {
    await Promise.race([worker.done, firstSignal]);
    if (stopped) result = await stopped;
  } finally {
    // After a signal, a second one still exits at once while the rest closes.
    if (signals === 0) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    await campaigns.stop();
  }
  const stats = worker.stats();
  out.print({ stopped: true, ...stats, ...result }, () =>
    `stopped after recording ${stats.recorded} outcome(s)` + (result.stillSending ? `; ${result.stillSending} recipient(s) were still being sent and are retried once their lease lapses` : ''),
  );
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
    .option('--inbound <host:port>', 'where the inbound SMTP listener for bounces, complaints and mailto unsubscribes listens ("off": none)', '127.0.0.1:2525')
    .option('--smtp <host:port>', 'where the SMTP relay for applications listens, STARTTLS when a certificate is configured ("off": none; 587 in production)', '127.0.0.1:2587')
    .option('--smtps <host:port>', 'where the SMTP relay listens with implicit TLS (465 in production; needs POSTROOM_SMTP_TLS_CERT / _KEY)', 'off')
    .action(async (flags: { http: string; workers: boolean; inbound: string; smtp: string; smtps: string }, command: Command) =>
      withApp(command, async (app, out) => {
        const listen = parseListen('--http', flags.http);
        const inboundAt = flags.inbound === 'off' ? null : parseListen('--inbound', flags.inbound);
        const relayAt: RelayListen[] = [
          ...(flags.smtp === 'off' ? [] : [{ ...parseListen('--smtp', flags.smtp), security: 'starttls' as const }]),
          ...(flags.smtps === 'off' ? [] : [{ ...parseListen('--smtps', flags.smtps), security: 'tls' as const }]),
        ];
        const sandbox = await ensureSandboxServer(app);
        const servers = await listServers(app.store);
        const admin = await ensureFirstAdmin(app);
        // The HTTP stack is loaded only by the command that serves it.
        const { buildHttpApp } = await import('../http/index.js');
        const { createMessageTracker } = await import('../tracking/index.js');
        // One way into the spool for the API and the relay: their messages commit in the same groups.
        const intake = openSpoolIntake({ ...app, tracker: createMessageTracker(app.store, app.secrets) });
        // /readyz asks whether the worker runs; with --no-workers none runs here, and it says so.
        let delivering: Worker | null = null;
        // Set at the first signal (see closeListeners): /readyz then answers 503.
        let listenersClosed: Promise<void> | null = null;
        const http = await buildHttpApp(app, { intake, health: { workersRunning: () => (flags.workers ? (delivering?.running() ?? false) : null), stopping: () => listenersClosed !== null } });
        await http.listen(listen).catch(async (error: unknown) => {
          await http.close();
          await intake.close();
          throw error;
        });
        const webhooks = startWebhooks({ store: app.store, clock: app.clock, secrets: app.secrets, log: app.log });
        const inbound = inboundAt ? await startInbound(app, inboundAt).catch(async (error: unknown) => {
          await webhooks.stop();
          await http.close();
          await intake.close();
          throw error;
        }) : null;
        const relay = relayAt.length > 0 ? await startRelay(app, relayAt, intake).catch(async (error: unknown) => {
          await inbound?.close();
          await webhooks.stop();
          await http.close();
          await intake.close();
          throw error;
        }) : null;
        // Mailboxes added with `postroom mailbox add` are polled while this runs.
        const { startMailboxPollers } = await import('../feedback/poll-mailboxes.js');
        const mailboxes = startMailboxPollers({ ...feedbackContext(app), secrets: app.secrets });
        const bound = http.server.address();
        const url = typeof bound === 'object' && bound ? `http://${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}` : `http://${listen.host}:${listen.port}`;
        // At the first signal: relay sessions are told 421 (a transaction under way finishes first), no more inbound mail.
        const closeListeners = (): Promise<void> => (listenersClosed ??= Promise.all([relay?.close(app.config.shutdown.graceMs), inbound?.close()]).then(() => undefined));
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
                (inbound ? `Inbound SMTP (bounces, complaints, unsubscribes): ${inboundAt!.host}:${inbound.port}\n` : '') +
                (relay ? `SMTP relay for applications: ${relayAt.map((l, i) => `${l.host}:${relay.ports[i]} (${l.security === 'tls' ? 'implicit TLS' : app.config.smtp.tlsCert ? 'STARTTLS' : 'loopback, no TLS'})`).join(', ')}; create a login with: npx postroom smtp-credential create --user EMAIL\n` : '') +
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
          if (flags.workers) await runWorker(app, out, { ready: announce, started: (w) => (delivering = w), stopping: closeListeners });
          else await untilSignal(app, announce);
        } finally {
          await mailboxes.stop();
          await closeListeners();
          await webhooks.stop();
          await http.close();
          await intake.close();
        }
      }),
    );

  const worker = new Command('worker')
    .description('run delivery workers only')
    .option('--exit-when-idle', 'exit once nothing is due and nothing is in flight')
    .option('--metrics <host:port>', "serve Prometheus /metrics and /healthz here (beyond loopback only with a token: POSTROOM_METRICS_TOKEN)")
    .action(async (flags: { exitWhenIdle?: boolean; metrics?: string }, command: Command) =>
      withApp(command, async (app, out) => {
        const metrics = flags.metrics ? await (await import('../ops/metrics-listener.js')).startMetricsListener(app, parseListen('--metrics', flags.metrics)) : null;
        await runWorker(app, out, { exitWhenIdle: !!flags.exitWhenIdle }).finally(() => metrics?.close());
      }),
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

/** The inbound listener; a port already taken is said plainly, naming the flag. */
function feedbackContext(app: App) {
  return { store: app.store, clock: app.clock, log: app.log, bounceRules: loadBounceRules(app.config.dataDir), verpKey: app.secrets.derive('verp') };
}

async function startInbound(app: App, at: { host: string; port: number }): Promise<InboundServer> {
  const { startInboundServer } = await import('../feedback/inbound-server.js');
  try {
    const { mailtoUnsubscriber } = await import('../feedback/mailto-unsubscribe.js');
    const unsubscribe = mailtoUnsubscriber({ store: app.store, clock: app.clock, trackingKey: app.secrets.derive('tracking') });
    return await startInboundServer(feedbackContext(app), { host: at.host, port: at.port, unsubscribe });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') throw new InputError('--inbound', `cannot listen on ${at.host}:${at.port} (${code}); choose another HOST:PORT or "off"`);
    throw error;
  }
}

/** The SMTP relay; a port already taken is said plainly, naming the flag. */
async function startRelay(app: App, listeners: RelayListen[], intake: SpoolIntake): Promise<RelayServer> {
  const { startRelayServer } = await import('../smtp/index.js');
  try {
    return await startRelayServer(app, listeners, { intake });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const port = (error as { port?: number }).port;
    const flag = listeners.find((l) => l.port === port)?.security === 'tls' ? '--smtps' : '--smtp';
    if (code === 'EADDRINUSE' || code === 'EACCES') throw new InputError(flag, `cannot listen on port ${port} (${code}); choose another HOST:PORT or "off"`);
    throw error;
  }
}

function parseListen(flag: string, value: string): { host: string; port: number } {
  const match = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(value);
  const port = match ? Number(match[2]) : NaN;
  if (!match || port < 0 || port > 65535) throw new InputError(flag, `expected HOST:PORT, got "${value}"`);
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
}
