import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createEngine, simpleMessage, type Engine } from '../helpers/engine.js';
import { testDatabaseKinds } from '../helpers/databases.js';
import { buildHttpApp } from '../../src/http/index.js';
import { createApiKey, createUser } from '../../src/users/index.js';

interface Setup {
  base: string;
  admin: string;
  alice: string;
  bob: string;
}

/** Reads server-sent events from a stream until `count` events arrived (or the time runs out). */
async function readEvents(url: string, key: string, count: number, during: () => Promise<void>, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const response = await fetch(url, { headers: { authorization: `Bearer ${key}`, ...headers }, signal: controller.signal });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const events: Array<{ id: string; type: string; data: Record<string, unknown> }> = [];
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const deadline = setTimeout(() => controller.abort(), 8_000);
  const reading = (async () => {
    try {
      while (events.length < count) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const id = /^id: (.+)$/m.exec(block)?.[1];
          const type = /^event: (.+)$/m.exec(block)?.[1];
          const data = /^data: (.+)$/m.exec(block)?.[1];
          if (id && type && data) events.push({ id, type, data: JSON.parse(data) as Record<string, unknown> });
        }
      }
    } catch {
      // aborted
    }
  })();
  await during();
  await reading;
  clearTimeout(deadline);
  controller.abort();
  return events;
}

describe.each(testDatabaseKinds())('events API on %s', (kind) => {
  let engine: Engine;
  let http: FastifyInstance;
  afterEach(async () => {
    await http?.close();
    await engine?.close();
  });

  async function setUp(): Promise<Setup> {
    engine = await createEngine(kind);
    await engine.addServer({ name: 'Sandbox', kind: 'sandbox', priority: 1000 });
    http = await buildHttpApp(engine.app);
    await http.listen({ host: '127.0.0.1', port: 0 });
    const address = http.server.address() as { port: number };
    const key = async (email: string, role: 'admin' | 'sender') => {
      const user = await createUser(engine.app, { email, role, password: 'a long enough password' });
      return (await createApiKey(engine.app, user.id, 'test')).key;
    };
    return { base: `http://127.0.0.1:${address.port}/api/v1`, admin: await key('admin@example.com', 'admin'), alice: await key('alice@example.com', 'sender'), bob: await key('bob@example.com', 'sender') };
  }

  async function send(s: Setup, key: string, n: number): Promise<string> {
    const response = await fetch(`${s.base}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(simpleMessage(n)),
    });
    expect(response.status).toBe(202);
    return ((await response.json()) as { id: string }).id;
  }

  const get = async (s: Setup, key: string, path: string) => {
    const response = await fetch(`${s.base}${path}`, { headers: { authorization: `Bearer ${key}` } });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('lists events newest first, scoped to the sender, with filters and a cursor', async () => {
    const s = await setUp();
    const mine = await send(s, s.alice, 1);
    const theirs = await send(s, s.bob, 2);
    engine.startWorker();
    await engine.waitForStatus([mine, theirs], ['sent']);

    const alice = await get(s, s.alice, '/events');
    const aliceEvents = alice.body.events as Array<{ messageId: string; type: string }>;
    expect(aliceEvents.map((e) => [e.messageId, e.type])).toEqual([
      [mine, 'sent'],
      [mine, 'queued'],
    ]);
    const all = await get(s, s.admin, '/events?type=sent');
    expect((all.body.events as Array<{ messageId: string }>).map((e) => e.messageId).sort()).toEqual([mine, theirs].sort());

    const page1 = await get(s, s.admin, '/events?limit=3');
    expect(page1.body.events).toHaveLength(3);
    const page2 = await get(s, s.admin, `/events?limit=3&cursor=${page1.body.nextCursor as string}`);
    expect(page2.body.events).toHaveLength(1);
    expect(page2.body.nextCursor).toBeNull();

    expect((await get(s, s.alice, `/events?messageId=${theirs}`)).status).toBe(404);
    const bad = await get(s, s.alice, '/events?type=opened,nonsense');
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'invalid', field: 'type' } } });
  });

  it('streams new events live, each user only their own, and resumes after Last-Event-ID', async () => {
    const s = await setUp();
    engine.startWorker();
    let mine = '';
    let theirs = '';
    const aliceStream = readEvents(`${s.base}/events/stream`, s.alice, 2, async () => undefined);
    const adminEvents = await readEvents(`${s.base}/events/stream`, s.admin, 4, async () => {
      await new Promise((r) => setTimeout(r, 300));
      mine = await send(s, s.alice, 1);
      theirs = await send(s, s.bob, 2);
    });
    const aliceEvents = await aliceStream;
    expect(aliceEvents.map((e) => [e.data.messageId, e.type])).toEqual([
      [mine, 'queued'],
      [mine, 'sent'],
    ]);
    expect(adminEvents.map((e) => e.data.messageId)).toEqual(expect.arrayContaining([mine, theirs]));
    expect(adminEvents).toHaveLength(4);

    // Resuming after the first of Alice's events replays the rest of hers and nothing of Bob's.
    const resumed = await readEvents(`${s.base}/events/stream`, s.alice, 1, async () => undefined, { 'last-event-id': aliceEvents[0]!.id });
    expect(resumed.map((e) => e.id)).toEqual([aliceEvents[1]!.id]);
  });
});
