import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, smtpServer, type Engine } from '../helpers/engine.js';
import { startSink, type Sink } from '../helpers/smtp-sink.js';
import { testDatabaseKinds } from '../helpers/databases.js';
import { setSetting } from '../../src/servers/index.js';

describe.each(testDatabaseKinds())('routing through real servers on %s', (kind) => {
  let engine: Engine;
  const sinks: Sink[] = [];
  afterEach(async () => {
    await engine?.close();
    await Promise.all(sinks.splice(0).map((s) => s.close()));
  });

  async function sink(): Promise<Sink> {
    const s = await startSink();
    sinks.push(s);
    return s;
  }

  it('sends each message through the server its From selects, and rewrites From when none matches', async () => {
    const [general, marketing, alias, unused] = [await sink(), await sink(), await sink(), await sink()];
    engine = await createEngine(kind);
    await engine.addServer(smtpServer(general.port, { name: 'general', fromFilter: 'example.com', priority: 10 }));
    await engine.addServer(smtpServer(marketing.port, { name: 'marketing', fromFilter: 'news@example.com', priority: 50 }));
    await engine.addServer(smtpServer(alias.port, { name: 'alias', fromFilter: 'example.net', priority: 10 }));
    await engine.addServer(smtpServer(unused.port, { name: 'inactive', fromFilter: 'gmail.test', priority: 1, active: false }));
    await setSetting(engine.app.store, 'domain_alias', 'example.net');
    await setSetting(engine.app.store, 'default_from', 'notifications');

    const news = await engine.enqueue({ from: 'News <news@example.com>', to: ['a@example.org'], subject: 'news', text: 'x' });
    const billing = await engine.enqueue({ from: 'billing@example.com', to: ['b@example.org'], subject: 'billing', text: 'x' });
    const outsider = await engine.enqueue({ from: 'Jo <jo@gmail.test>', to: ['c@example.org'], subject: 'outsider', text: 'x' });
    const named = await engine.enqueue({ from: 'news@example.com', to: ['d@example.org'], subject: 'named', text: 'x', server: 'general' });
    const withReplyTo = await engine.enqueue({ from: 'jo@gmail.test', replyTo: 'desk@gmail.test', to: ['e@example.org'], subject: 'reply', text: 'x' });
    engine.startWorker();
    await engine.waitForStatus([news, billing, outsider, named, withReplyTo], ['sent']);

    expect(marketing.messages.map((m) => m.subject)).toEqual(['news']);
    expect(general.messages.map((m) => m.subject).sort()).toEqual(['billing', 'named']);
    expect(unused.messages).toHaveLength(0);
    expect(alias.messages.map((m) => m.subject).sort()).toEqual(['outsider', 'reply']);

    const rewritten = alias.messages.find((m) => m.subject === 'outsider')!;
    const head = rewritten.raw.toString().split('\r\n\r\n')[0]!;
    expect(rewritten.from).toBe('notifications@example.net');
    expect(head).toMatch(/^From: notifications@example.net$/m);
    expect(head).toMatch(/^Reply-To: Jo <jo@gmail.test>$/m);
    const kept = alias.messages.find((m) => m.subject === 'reply')!.raw.toString().split('\r\n\r\n')[0]!;
    expect(kept).toMatch(/^Reply-To: desk@gmail.test$/m);

    expect((await engine.message(outsider)).message.server_name).toBe('alias');
  });

  it('fails a message no server can carry, with the reason, and never drops it silently', async () => {
    const only = await sink();
    engine = await createEngine(kind);
    await engine.addServer(smtpServer(only.port, { name: 'strict', fromFilter: 'example.com' }));
    const id = await engine.enqueue({ from: 'x@elsewhere.test', to: ['a@example.org'], subject: 'nowhere', text: 'x' });
    engine.startWorker();
    await engine.waitForStatus([id], ['failed']);
    const detail = await engine.message(id);
    expect(detail.recipients[0]!.last_response).toMatch(/no active server accepts From x@elsewhere.test/);
    expect(detail.events.map((e) => e.type)).toEqual(['queued', 'failed']);
    expect(only.messages).toHaveLength(0);
  });
});
