import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createEngine, type Engine } from '../helpers/engine.js';
import { buildHttpApp } from '../../src/http/index.js';
import { createApiKey, createUser, ensureFirstAdmin } from '../../src/users/index.js';

describe('login sessions', () => {
  let engine: Engine;
  let http: FastifyInstance;
  let base: string;
  afterEach(async () => {
    await http?.close();
    await engine?.close();
  });

  async function setUp(): Promise<void> {
    engine = await createEngine('sqlite');
    http = await buildHttpApp(engine.app);
    await http.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(http.server.address() as { port: number }).port}/api/v1`;
  }

  async function login(email: string, password: string) {
    const response = await fetch(`${base}/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
    const cookie = response.headers.get('set-cookie');
    return { status: response.status, cookie, body: (await response.json()) as { user?: { mustChangePassword: boolean }; csrfToken?: string; error?: unknown } };
  }

  const call = (method: string, path: string, headers: Record<string, string>, body?: unknown) =>
    fetch(`${base}${path}`, { method, headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });

  it('logs in with a cookie that is httpOnly and SameSite=Strict, and answers the same for unknown user and wrong password', async () => {
    await setUp();
    await createUser(engine.app, { email: 'ana@example.com', role: 'sender', password: 'correct horse battery' });
    const ok = await login('Ana@Example.com', 'correct horse battery');
    expect(ok.status).toBe(200);
    expect(ok.cookie).toMatch(/^postroom_session=[^;]+;.*HttpOnly/i);
    expect(ok.cookie).toMatch(/SameSite=Strict/i);
    expect(ok.body.csrfToken).toMatch(/^[\w-]{20,}$/);

    const wrong = await login('ana@example.com', 'wrong password here');
    const unknown = await login('nobody@example.com', 'wrong password here');
    expect(wrong.status).toBe(401);
    expect(unknown).toEqual({ ...wrong, cookie: null });
    expect(wrong.body).toEqual({ error: { code: 'unauthorized', message: 'wrong email or password', field: null } });
  });

  it('reads with the cookie, writes only with the CSRF token, and logs out', async () => {
    await setUp();
    await createUser(engine.app, { email: 'ana@example.com', role: 'sender', password: 'correct horse battery' });
    const { cookie, body } = await login('ana@example.com', 'correct horse battery');
    const jar = { cookie: cookie!.split(';')[0]! };
    expect((await call('GET', '/messages', jar)).status).toBe(200);
    const message = { from: 'ana@example.com', to: ['b@example.org'], subject: 'Hi', text: 'x' };
    const forged = await call('POST', '/messages', jar, message);
    expect(forged.status).toBe(403);
    expect(await forged.json()).toMatchObject({ error: { code: 'forbidden', field: 'X-CSRF-Token' } });
    expect((await call('POST', '/messages', { ...jar, 'x-csrf-token': 'not-the-token' }, message)).status).toBe(403);
    expect((await call('POST', '/messages', { ...jar, 'x-csrf-token': body.csrfToken! }, message)).status).toBe(202);
    expect(await engine.app.store.db.selectFrom('messages').select('id').execute()).toHaveLength(1);

    expect((await call('DELETE', '/session', { ...jar, 'x-csrf-token': body.csrfToken! })).status).toBe(204);
    expect((await call('GET', '/messages', jar)).status).toBe(401);
  });

  it('makes the first admin change the one-time password before anything else', async () => {
    await setUp();
    const first = await ensureFirstAdmin(engine.app);
    expect(first).not.toBeNull();
    expect(await ensureFirstAdmin(engine.app)).toBeNull();
    const { cookie, body } = await login(first!.user.email, first!.password);
    expect(body.user?.mustChangePassword).toBe(true);
    const headers = { cookie: cookie!.split(';')[0]!, 'x-csrf-token': body.csrfToken! };
    expect((await call('GET', '/messages', headers)).status).toBe(403);
    const weak = await call('POST', '/session/password', headers, { currentPassword: first!.password, newPassword: 'short' });
    expect(await weak.json()).toMatchObject({ error: { code: 'invalid', field: 'newPassword' } });
    const wrongCurrent = await call('POST', '/session/password', headers, { currentPassword: 'not it at all', newPassword: 'a much better password' });
    expect(await wrongCurrent.json()).toMatchObject({ error: { field: 'currentPassword' } });
    expect((await call('POST', '/session/password', headers, { currentPassword: first!.password, newPassword: 'a much better password' })).status).toBe(204);
    expect((await call('GET', '/messages', headers)).status).toBe(200);
    expect((await login(first!.user.email, first!.password)).status).toBe(401);
    expect((await login(first!.user.email, 'a much better password')).status).toBe(200);
  });

  it('still takes API keys, and a bad key is 401 even with a valid cookie', async () => {
    await setUp();
    const user = await createUser(engine.app, { email: 'ana@example.com', role: 'sender', password: 'correct horse battery' });
    const { key } = await createApiKey(engine.app, user.id, 'ci');
    const { cookie } = await login('ana@example.com', 'correct horse battery');
    expect((await call('GET', '/session', { authorization: `Bearer ${key}` })).status).toBe(200);
    expect((await call('GET', '/session', { authorization: 'Bearer pr_nope', cookie: cookie!.split(';')[0]! })).status).toBe(401);
  });
});
