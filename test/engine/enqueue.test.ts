import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, simpleMessage, type Engine } from '../helpers/engine.js';
import { testDatabaseKinds } from '../helpers/databases.js';
import { enqueueMessages } from '../../src/spool/index.js';
import { InputError } from '../../src/lib/input-error.js';

describe.each(testDatabaseKinds())('enqueue on %s', (kind) => {
  let engine: Engine;
  afterEach(async () => engine?.close());

  async function counts(): Promise<number[]> {
    const db = engine.app.store.db;
    return Promise.all(
      (['messages', 'message_contents', 'recipients', 'events'] as const).map(async (table) =>
        Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n),
      ),
    );
  }

  const bad: Array<[string, Record<string, unknown>, RegExp]> = [
    ['an invalid address', simpleMessage(1, { to: ['ok@example.org', 'not-an-address'] }), /^to\[1\]: "not-an-address" is not a valid email address$/],
    ['CR or LF in the subject', simpleMessage(1, { subject: 'Hi\r\nBcc: victim@example.org' }), /^subject: must not contain CR or LF$/],
    ['LF in a display name', simpleMessage(1, { from: 'Alice\nBcc: x@example.org <alice@example.com>' }), /^from: must not contain CR or LF$/],
    ['two addresses where one is expected', simpleMessage(1, { replyTo: 'a@example.com, b@example.com' }), /^replyTo: must be a single address$/],
    ['a header that Postroom writes', simpleMessage(1, { headers: { 'Message-ID': '<x@y>' } }), /^headers\.Message-ID: is set by its own field/],
    ['a header value with LF', simpleMessage(1, { headers: { 'X-Tag': 'a\nb' } }), /^headers\.X-Tag: must not contain CR or LF$/],
    ['no recipient', simpleMessage(1, { to: [] }), /^to: at least one recipient is required/],
    ['no body', { from: 'a@example.com', to: ['b@example.org'], subject: 's' }, /^text: a text or an html body is required$/],
    ['an unknown server', simpleMessage(1, { server: 'Nowhere' }), /^server: no server named "Nowhere"$/],
  ];

  it.each(bad)('rejects %s, naming the field, and writes nothing', async (_what, input, message) => {
    engine = await createEngine(kind);
    const before = await counts();
    const error = await engine.enqueue(input).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(message);
    expect(await counts()).toEqual(before);
  });

  it('writes a batch whole or not at all, naming the message at fault', async () => {
    engine = await createEngine(kind);
    const inputs = [simpleMessage(1), simpleMessage(2), simpleMessage(3, { to: ['bad'] })];
    const error = await enqueueMessages({ store: engine.app.store, clock: engine.app.clock, lifetimeMs: 60_000 }, inputs).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^messages\[2\]\.to\[0\]: "bad" is not a valid email address$/);
    expect(await counts()).toEqual([0, 0, 0, 0]);
    const ids = await enqueueMessages({ store: engine.app.store, clock: engine.app.clock, lifetimeMs: 60_000 }, inputs.slice(0, 2));
    expect(ids).toHaveLength(2);
    expect(await counts()).toEqual([2, 2, 2, 2]);
  });

  it('stores one recipient per address, deduplicated across to, cc and bcc', async () => {
    engine = await createEngine(kind);
    const id = await engine.enqueue(simpleMessage(1, { to: ['A@example.org', 'b@example.org'], cc: ['a@example.org'], bcc: ['c@example.org', 'B@example.org'] }));
    const { recipients, message } = await engine.message(id);
    expect(recipients.map((r) => [r.address, r.kind])).toEqual([
      ['A@example.org', 'to'],
      ['b@example.org', 'to'],
      ['c@example.org', 'bcc'],
    ]);
    expect(message).toMatchObject({ status: 'queued', from_address: 'sender@example.com', subject: 'Message 1' });
  });
});
