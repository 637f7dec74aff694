/**
 * Failover: the preferred server refuses connections; after N failures in a row it is marked
 * unhealthy (an event says so), routing gives its mail to the next matching server, and when it
 * comes back a periodic Test Connection marks it healthy and it is used again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, simpleMessage, smtpServer, type Engine } from '../helpers/engine.js';
import { startSink, type Sink } from '../helpers/smtp-sink.js';
import { testDatabaseKinds } from '../helpers/databases.js';
import { freePort as closedPort } from '../helpers/ports.js';

describe.each(testDatabaseKinds())('failover on %s', (kind) => {
  let engine: Engine;
  const sinks: Sink[] = [];
  afterEach(async () => {
    await engine?.close();
    for (const sink of sinks.splice(0)) await sink.close();
  });

  it('moves mail to the next server while the first refuses connections, and goes back once it answers', async () => {
    const firstPort = await closedPort();
    const second = await startSink();
    sinks.push(second);
    engine = await createEngine(kind, { worker: { unhealthyAfter: 2, healthCheckMs: 150 } });
    const first = await engine.addServer(smtpServer(firstPort, { name: 'primary', priority: 1 }));
    const backup = await engine.addServer(smtpServer(second.port, { name: 'backup', priority: 2 }));

    const ids = [];
    for (let n = 1; n <= 3; n++) ids.push(await engine.enqueue(simpleMessage(n)));
    engine.startWorker();
    await engine.waitForStatus(ids, ['sent']);

    const db = engine.app.store.db;
    const primary = await db.selectFrom('servers').selectAll().where('id', '=', first.id).executeTakeFirstOrThrow();
    expect(primary.unhealthy_since).not.toBeNull();
    expect(primary.unhealthy_reason).toMatch(/^connect: ECONNREFUSED 127\.0\.0\.1:\d+/);
    const marked = await db.selectFrom('events').selectAll().where('type', '=', 'server_unhealthy').execute();
    expect(marked).toHaveLength(1);
    expect(marked[0]).toMatchObject({ message_id: first.id, server_id: first.id });
    // Sessions fail side by side: the one that marks it may have seen the second or the third failure.
    expect(marked[0]!.detail).toMatch(/^primary is unhealthy after [23] failed connections in a row \(connect: ECONNREFUSED .*\); its mail goes to the next matching server$/);
    const recipients = await db.selectFrom('recipients').select(['server_id', 'status']).where('message_id', 'in', ids).execute();
    expect(recipients.every((r) => r.server_id === backup.id && r.status === 'sent')).toBe(true);
    expect(second.messages).toHaveLength(3);

    // The primary comes back: a Test Connection finds it, and new mail goes through it again.
    const revived = await startSink({ port: firstPort });
    sinks.push(revived);
    for (let i = 0; i < 200; i++) {
      const row = await db.selectFrom('servers').select('unhealthy_since').where('id', '=', first.id).executeTakeFirstOrThrow();
      if (row.unhealthy_since === null) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    const healthy = await db.selectFrom('events').selectAll().where('type', '=', 'server_healthy').execute();
    expect(healthy).toHaveLength(1);
    expect(healthy[0]!.detail).toMatch(/^primary is healthy again: Test Connection: connected to 127\.0\.0\.1:\d+/);
    const later = await engine.enqueue(simpleMessage(4));
    await engine.waitForStatus([later], ['sent']);
    expect(revived.messages.map((m) => m.to)).toEqual([['rcpt4@example.org']]);
    expect((await db.selectFrom('servers').select('health_failures').where('id', '=', first.id).executeTakeFirstOrThrow()).health_failures).toBe(0);
  });

  it('keeps using an unhealthy server when no other matches, rather than failing the mail', async () => {
    const port = await closedPort();
    engine = await createEngine(kind, { worker: { unhealthyAfter: 1, healthCheckMs: 60_000 }, retry: { firstDelayMs: 100, maxDelayMs: 200 } });
    const only = await engine.addServer(smtpServer(port, { name: 'only' }));
    const id = await engine.enqueue(simpleMessage(1));
    engine.startWorker();
    const db = engine.app.store.db;
    for (let i = 0; i < 200; i++) {
      const r = await db.selectFrom('recipients').select('attempts').where('message_id', '=', id).executeTakeFirstOrThrow();
      if (r.attempts >= 2) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const sink = await startSink({ port });
    sinks.push(sink);
    await engine.waitForStatus([id], ['sent']);
    const row = await db.selectFrom('servers').selectAll().where('id', '=', only.id).executeTakeFirstOrThrow();
    // The session that delivered it also marked it healthy.
    expect(row.unhealthy_since).toBeNull();
  });
});
