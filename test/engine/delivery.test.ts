import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, simpleMessage, smtpServer, type Engine } from '../helpers/engine.js';
import { startSink, type Sink } from '../helpers/smtp-sink.js';
import { testDatabaseKinds } from '../helpers/databases.js';

describe.each(testDatabaseKinds())('delivery on %s', (kind) => {
  let engine: Engine;
  let sink: Sink;
  afterEach(async () => {
    await engine?.close();
    await sink?.close();
  });

  it('delivers a message with cc and bcc in one transaction and records the answer', async () => {
    sink = await startSink();
    engine = await createEngine(kind);
    await engine.addServer(smtpServer(sink.port));
    const id = await engine.enqueue({
      from: 'Alice <alice@example.com>',
      to: ['bob@example.org'],
      cc: ['carol@example.org'],
      bcc: ['dave@example.org'],
      subject: 'Quarterly report',
      text: 'See attached.',
      html: '<p>See attached.</p>',
      attachments: [{ filename: 'report.csv', content: Buffer.from('a,b\n1,2\n') }],
    });
    engine.startWorker();
    await engine.waitForStatus([id], ['sent']);
    expect(sink.messages).toHaveLength(1);
    const received = sink.messages[0]!;
    expect(received.from).toBe('alice@example.com');
    expect(received.to.sort()).toEqual(['bob@example.org', 'carol@example.org', 'dave@example.org']);
    const text = received.raw.toString();
    expect(text).toMatch(/^Subject: Quarterly report/m);
    expect(text).not.toMatch(/^Bcc:/im);
    expect(text).toContain('report.csv');

    const detail = await engine.message(id);
    expect(detail.message.status).toBe('sent');
    expect(detail.recipients.map((r) => [r.address, r.status, r.attempts, r.last_code])).toEqual(
      expect.arrayContaining([
        ['bob@example.org', 'sent', 1, 250],
        ['carol@example.org', 'sent', 1, 250],
        ['dave@example.org', 'sent', 1, 250],
      ]),
    );
    expect(detail.events.map((e) => e.type)).toEqual(['queued', 'sent', 'sent', 'sent']);
  });

  it('keeps mail in the sandbox server without sending it anywhere', async () => {
    engine = await createEngine(kind);
    await engine.addServer({ name: 'Sandbox', kind: 'sandbox', priority: 1000 });
    const id = await engine.enqueue(simpleMessage(1, { to: ['a@example.org', 'b@example.org'] }));
    engine.startWorker();
    await engine.waitForStatus([id], ['sent']);
    const kept = await engine.app.store.db.selectFrom('sandbox_messages').selectAll().where('message_id', '=', id).execute();
    expect(kept.map((k) => k.recipient).sort()).toEqual(['a@example.org', 'b@example.org']);
    expect(Buffer.from(kept[0]!.raw).toString()).toMatch(/^Subject: Message 1/m);
  });
});
