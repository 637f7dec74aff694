/**
 * Failover: a relay server (SMTP, Gmail, Microsoft) that cannot be reached — N connection or TLS
 * failures in a row — is marked unhealthy, and routing gives its mail to the next server whose
 * From filter matches (servers/route-message.ts). A Test Connection every `checkEveryMs` brings
 * it back once it answers. Each change is an event (`server_unhealthy`, `server_healthy`, with
 * the server's id as the event's message id) and a log line.
 *
 * Direct delivery is left out: one recipient domain's unreachable MX hosts say nothing about
 * the server as a whole.
 */
import type { Logger } from 'pino';
import type { Store } from '../store/index.js';
import type { Clock } from '../lib/clock.js';
import { recordEvents } from '../spool/index.js';
import type { SendResult } from '../transports/index.js';
import type { OutgoingServer } from '../servers/server-record.js';
import type { TestResult } from '../servers/test-connection.js';
import type { Lane } from './lanes.js';

export interface ServerHealth {
  /** Session trouble: a connection or TLS failure counts against the server. */
  trouble(lane: Lane, result: Extract<SendResult, { kind: 'trouble' }>): Promise<void>;
  /** A session opened: the count of failures starts again. */
  opened(lane: Lane): Promise<void>;
  /** Tests each unhealthy server's connection, and brings back those that answer. */
  checkUnhealthy(servers: readonly OutgoingServer[]): Promise<void>;
}

export interface ServerHealthOptions {
  store: Store;
  clock: Clock;
  log: Logger;
  /** Failures in a row that make a server unhealthy. */
  failuresAllowed: number;
  test: (server: OutgoingServer) => Promise<TestResult>;
}

const COUNTED: ReadonlySet<string> = new Set(['connect', 'greeting', 'tls']);

export function createServerHealth(options: ServerHealthOptions): ServerHealth {
  const { store, clock, log } = options;
  const watched = (server: OutgoingServer): boolean => server.kind === 'smtp' || server.kind === 'gmail' || server.kind === 'microsoft';

  async function markHealthy(server: OutgoingServer, detail: string): Promise<void> {
    const now = clock.now();
    await store.db.transaction().execute(async (trx) => {
      await trx.updateTable('servers').set({ health_failures: 0, unhealthy_since: null, unhealthy_reason: null }).where('id', '=', server.id).execute();
      await recordEvents(trx, [{ messageId: server.id, type: 'server_healthy', serverId: server.id, detail: `${server.name} is healthy again: ${detail}` }], now);
    });
    server.healthFailures = 0;
    server.unhealthySince = null;
    server.unhealthyReason = null;
    log.info({ server: server.name, detail }, 'server healthy again; routing uses it');
  }

  return {
    async trouble(lane, result) {
      const server = lane.server;
      // A greeting with an answer is the server speaking (a 554 at connect is not an outage).
      if (!watched(server) || !COUNTED.has(result.stage) || (result.stage === 'greeting' && result.answer)) return;
      const reason = `${result.stage}: ${result.detail}`;
      const row = await store.db
        .updateTable('servers')
        .set((eb) => ({ health_failures: eb('health_failures', '+', 1) }))
        .where('id', '=', server.id)
        .returning(['health_failures', 'unhealthy_since'])
        .executeTakeFirst();
      if (!row) return;
      server.healthFailures = row.health_failures;
      if (row.health_failures < options.failuresAllowed || row.unhealthy_since !== null) return;
      const now = clock.now();
      await store.db.transaction().execute(async (trx) => {
        const marked = await trx
          .updateTable('servers')
          .set({ unhealthy_since: now, unhealthy_reason: reason })
          .where('id', '=', server.id)
          .where('unhealthy_since', 'is', null)
          .executeTakeFirst();
        // Another worker may have marked it in the meantime: one event, not two.
        if (Number(marked.numUpdatedRows) === 0) return;
        const detail = `${server.name} is unhealthy after ${row.health_failures} failed connections in a row (${reason}); its mail goes to the next matching server`;
        await recordEvents(trx, [{ messageId: server.id, type: 'server_unhealthy', serverId: server.id, detail }], now);
      });
      server.unhealthySince = now;
      server.unhealthyReason = reason;
      log.warn({ server: server.name, failures: row.health_failures, reason }, 'server unhealthy; routing passes it over');
    },
    async opened(lane) {
      const server = lane.server;
      if (server.healthFailures === 0 && server.unhealthySince === null) return;
      if (server.unhealthySince !== null) return markHealthy(server, 'a session opened');
      server.healthFailures = 0;
      await store.db.updateTable('servers').set({ health_failures: 0 }).where('id', '=', server.id).execute();
    },
    async checkUnhealthy(servers) {
      for (const server of servers) {
        if (server.unhealthySince === null || !server.active) continue;
        const result = await options.test(server);
        if (result.ok) await markHealthy(server, `Test Connection: ${result.detail}`);
        else log.debug({ server: server.name, reason: result.message }, 'server still unhealthy');
      }
    },
  };
}
