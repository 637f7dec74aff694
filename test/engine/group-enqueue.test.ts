import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, simpleMessage, type Engine } from '../helpers/engine.js';
import { testDatabaseKinds } from '../helpers/databases.js';
import { createGroupEnqueuer } from '../../src/spool/index.js';
import { createSqliteWriter } from '../../src/store/index.js';

describe.each(testDatabaseKinds())('group commit of enqueues on %s', (kind) => {
  let engine: Engine;
  afterEach(async () => engine?.close());

  function enqueuer() {
    return createGroupEnqueuer({ store: engine.app.store, clock: engine.app.clock, lifetimeMs: 60_000 });
  }

  it('stores every message of a burst, each answered with its own id', async () => {
    engine = await createEngine(kind);
    const group = enqueuer();
    const ids = await Promise.all(Array.from({ length: 300 }, (_, i) => group.enqueue(simpleMessage(i), { userId: i % 2 ? 'usr_a' : null })));
    expect(new Set(ids).size).toBe(300);
    const rows = await engine.app.store.db.selectFrom('messages').select(['id', 'subject', 'user_id']).execute();
    expect(rows).toHaveLength(300);
    const byId = new Map(rows.map((r) => [r.id, r]));
    ids.forEach((id, i) => {
      expect(byId.get(id)).toMatchObject({ subject: `Message ${i}`, user_id: i % 2 ? 'usr_a' : null });
    });
    expect(await engine.app.store.db.selectFrom('recipients').select('id').execute()).toHaveLength(300);
  });

  it('one idempotency key in a burst gives one message; other users keep their own keys', async () => {
    engine = await createEngine(kind);
    const group = enqueuer();
    const same = await Promise.all(Array.from({ length: 10 }, () => group.enqueue(simpleMessage(1), { userId: 'usr_a', idempotencyKey: 'order-17' })));
    expect(new Set(same).size).toBe(1);
    const other = await group.enqueue(simpleMessage(1), { userId: 'usr_b', idempotencyKey: 'order-17' });
    expect(other).not.toBe(same[0]);
    expect(await engine.app.store.db.selectFrom('messages').select('id').execute()).toHaveLength(2);
  });

  it('bad input fails only its own request', async () => {
    engine = await createEngine(kind);
    const group = enqueuer();
    const results = await Promise.allSettled([group.enqueue(simpleMessage(1)), group.enqueue(simpleMessage(2, { to: ['nope'] })), group.enqueue(simpleMessage(3))]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(((results[1] as PromiseRejectedResult).reason as Error).message).toMatch(/^to\[0\]: "nope" is not a valid email address$/);
    expect(await engine.app.store.db.selectFrom('messages').select('id').execute()).toHaveLength(2);
    await group.drain();
  });
});

describe('the SQLite writer thread', () => {
  let engine: Engine;
  afterEach(async () => engine?.close());

  it('commits through the SQLite writer thread, durably, visible to the main connection', async () => {
    engine = await createEngine('sqlite');
    const writer = createSqliteWriter(engine.app.store.file!);
    try {
      const group = createGroupEnqueuer({ store: engine.app.store, clock: engine.app.clock, lifetimeMs: 60_000 }, { writer });
      const ids = await Promise.all(Array.from({ length: 200 }, (_, i) => group.enqueue(simpleMessage(i, { attachments: [{ filename: 'a.bin', content: Buffer.from([0, 255, 1, 254]) }] }))));
      expect(new Set(ids).size).toBe(200);
      const stored = await engine.app.store.db.selectFrom('messages').select('id').execute();
      expect(stored.map((r) => r.id).sort()).toEqual([...ids].sort());
      const raw = await engine.app.store.db.selectFrom('message_contents').select('raw').where('message_id', '=', ids[0]!).executeTakeFirstOrThrow();
      expect(Buffer.isBuffer(raw.raw) && raw.raw.includes('a.bin')).toBe(true);
      // The worker delivers what the writer thread committed.
      await engine.addServer({ name: 'Sandbox', kind: 'sandbox', priority: 1000 });
      engine.startWorker();
      await engine.waitForStatus(ids, ['sent']);
    } finally {
      await writer.close();
    }
  });
});
