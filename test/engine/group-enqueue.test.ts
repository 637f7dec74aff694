import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, simpleMessage, type Engine } from '../helpers/engine.js';
import { testDatabaseKinds } from '../helpers/databases.js';
import { createGroupEnqueuer } from '../../src/spool/index.js';

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
