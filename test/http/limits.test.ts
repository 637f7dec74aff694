import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createEngine, simpleMessage, type Engine } from '../helpers/engine.js';
import { buildHttpApp, type HttpOptions } from '../../src/http/index.js';
import { createApiKey, createUser } from '../../src/users/index.js';

describe('request limits', () => {
  let engine: Engine;
  let http: FastifyInstance;
  let base: string;
  afterEach(async () => {
    await http?.close();
    await engine?.close();
  });

  async function setUp(options: HttpOptions): Promise<[string, string]> {
    engine = await createEngine('sqlite');
    http = await buildHttpApp(engine.app, options);
    await http.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(http.server.address() as { port: number }).port}/api/v1`;
    const user = await createUser(engine.app, { email: 'ana@example.com', role: 'sender', password: 'correct horse battery' });
    return [(await createApiKey(engine.app, user.id, 'one')).key, (await createApiKey(engine.app, user.id, 'two')).key];
  }

  it('answers 429 with Retry-After once a key passes its rate, counted per key', async () => {
    const [one, two] = await setUp({ rateLimitPerMinute: 5 });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await fetch(`${base}/messages`, { headers: { authorization: `Bearer ${one}` } })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const limited = await fetch(`${base}/messages`, { headers: { authorization: `Bearer ${one}` } });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited.json()).toMatchObject({ error: { code: 'rate_limited', field: null } });
    expect((await fetch(`${base}/messages`, { headers: { authorization: `Bearer ${two}` } })).status).toBe(200);
  });

  it('answers 413 to a body over the limit and stores nothing', async () => {
    const [one] = await setUp({ bodyLimit: 4096 });
    const big = await fetch(`${base}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${one}`, 'content-type': 'application/json' },
      body: JSON.stringify(simpleMessage(1, { text: 'x'.repeat(10_000) })),
    });
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ error: { code: 'payload_too_large' } });
    expect(await engine.app.store.db.selectFrom('messages').select('id').execute()).toHaveLength(0);
    const small = await fetch(`${base}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${one}`, 'content-type': 'application/json' },
      body: JSON.stringify(simpleMessage(1)),
    });
    expect(small.status).toBe(202);
  });
});
