/**
 * The admin routes over real HTTP: servers (with Test Connection against a real SMTP sink),
 * settings, users and API keys — each happy path, the 400 naming the field, 403 for a sender,
 * 404 for an unknown id, 401 without a key, and secrets never in an answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { createEngine, type Engine } from '../helpers/engine.js';
import { testDatabaseKinds } from '../helpers/databases.js';
import { startSink, type Sink } from '../helpers/smtp-sink.js';
import { buildHttpApp } from '../../src/http/index.js';
import { createApiKey, createUser, type User } from '../../src/users/index.js';
import { SETTINGS } from '../../src/servers/index.js';
import type { z } from 'zod';
import type { serverView } from '../../src/http/routes/get-server.js';
import type { settingsView } from '../../src/http/routes/get-settings.js';
import type { userView } from '../../src/http/routes/list-users.js';
import type { apiKeyView } from '../../src/http/routes/list-api-keys.js';
import { freePort as closedPort } from '../helpers/ports.js';

const SERVER_PASSWORD = 'relay-secret-9f3k2';
const USER_PASSWORD = 'a long enough password';

type ServerView = z.infer<typeof serverView>;
type ApiKeyView = z.infer<typeof apiKeyView>;
type UserView = z.infer<typeof userView>;
type SettingsView = z.infer<typeof settingsView>;
type ErrorBody = { error: { code: string; message: string; field: string | null } };
type TestResult = { ok: boolean; detail?: string; stage?: string; message?: string };

/** An answer as the client reads it; the body typed as the route promises (or the error shape). */
interface Answer<T> {
  status: number;
  body: T;
}

/** A port nothing listens on: bound, then closed. */

describe.each(testDatabaseKinds())('admin API (%s)', (kind) => {
  let engine: Engine;
  let http: FastifyInstance;
  let sink: Sink;
  let base: string;
  let admin: User;
  let sender: User;
  let adminKey: string;
  let senderKey: string;
  /** Every answer's text, checked at the end for secrets. */
  const seen: string[] = [];

  beforeAll(async () => {
    engine = await createEngine(kind);
    http = await buildHttpApp(engine.app);
    await http.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(http.server.address() as AddressInfo).port}/api/v1`;
    sink = await startSink({ auth: { username: 'relay', password: SERVER_PASSWORD } });
    admin = await createUser(engine.app, { email: 'admin@example.com', role: 'admin', password: 'correct horse battery' });
    sender = await createUser(engine.app, { email: 'ana@example.com', role: 'sender', password: 'correct horse battery' });
    adminKey = (await createApiKey(engine.app, admin.id, 'admin key')).key;
    senderKey = (await createApiKey(engine.app, sender.id, 'ana key')).key;
  });

  afterAll(async () => {
    await http?.close();
    await sink?.close();
    await engine?.close();
  });

  async function call<T = ErrorBody>(method: string, path: string, key: string | null, body?: unknown): Promise<Answer<T>> {
    const headers: Record<string, string> = {};
    if (key) headers.authorization = `Bearer ${key}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    seen.push(text);
    return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
  }

  const relay = (name: string, extra: Record<string, unknown> = {}) => ({
    name,
    host: '127.0.0.1',
    port: sink.port,
    security: 'none',
    auth: 'password',
    username: 'relay',
    password: SERVER_PASSWORD,
    ...extra,
  });

  it('answers 401 without a key, and 403 to a sender, on every admin route', async () => {
    const adminRoutes: Array<[string, string, unknown?]> = [
      ['GET', '/servers'],
      ['POST', '/servers', relay('nope')],
      ['GET', '/servers/srv_x'],
      ['PATCH', '/servers/srv_x', { priority: 1 }],
      ['DELETE', '/servers/srv_x'],
      ['POST', '/servers/srv_x/test', {}],
      ['GET', '/settings'],
      ['PATCH', '/settings', { default_from: 'x' }],
      ['GET', '/users'],
      ['POST', '/users', { email: 'x@example.com', role: 'admin', password: USER_PASSWORD }],
    ];
    const everyRoute: Array<[string, string, unknown?]> = [...adminRoutes, ['GET', '/api-keys'], ['POST', '/api-keys', { name: 'k' }], ['DELETE', '/api-keys/key_x']];
    for (const [method, path, body] of everyRoute) {
      const answer = await call(method, path, null, body);
      expect([method, path, answer.status, answer.body.error.code]).toEqual([method, path, 401, 'unauthorized']);
    }
    for (const [method, path, body] of adminRoutes) {
      const answer = await call(method, path, senderKey, body);
      expect([method, path, answer.status, answer.body.error.code]).toEqual([method, path, 403, 'forbidden']);
    }
    expect(await engine.app.store.db.selectFrom('servers').select('id').execute()).toHaveLength(0);
    expect((await call<{ users: UserView[] }>('GET', '/users', adminKey)).body.users).toHaveLength(2);
  });

  it('creates, lists, reads, changes and removes a server; secrets are write-only', async () => {
    const created = await call<ServerView>('POST', '/servers', adminKey, relay('relay-crud', { fromFilter: 'example.com', perMinute: 100 }));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'relay-crud', kind: 'smtp', port: sink.port, auth: 'password', username: 'relay', fromFilter: 'example.com', perMinute: 100, hasSecret: true });
    expect(created.body.id).toMatch(/^srv_/);
    expect(created.body).not.toHaveProperty('password');
    expect(created.body).not.toHaveProperty('sealedSecret');
    const id: string = created.body.id;

    const list = await call<{ servers: ServerView[] }>('GET', '/servers', adminKey);
    expect(list.status).toBe(200);
    expect(list.body.servers.map((s) => s.id)).toContain(id);
    const one = await call<ServerView & { quotas: unknown }>('GET', `/servers/${id}`, adminKey);
    // One server's page also says how much of each quota the current window has used.
    const { quotas, ...rest } = one.body;
    expect(rest).toEqual(created.body);
    expect(quotas).toEqual([{ window: 'minute', limit: 100, used: 0, resetsAt: expect.stringMatching(/:00\.000Z$/) }]);
    expect((await call<ServerView>('GET', '/servers/relay-crud', adminKey)).body.id).toBe(id);

    // A change that leaves the password out keeps it: Test Connection still authenticates.
    const changed = await call('PATCH', `/servers/${id}`, adminKey, { priority: 3, active: false });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ id, priority: 3, active: false, hasSecret: true });
    expect((await call('POST', `/servers/${id}/test`, adminKey)).body).toMatchObject({ ok: true });
    const cleared = await call('PATCH', `/servers/${id}`, adminKey, { auth: 'none', password: null });
    expect(cleared.body).toMatchObject({ auth: 'none', username: null, hasSecret: false });

    const removed = await fetch(`${base}/servers/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${adminKey}` } });
    expect(removed.status).toBe(204);
    expect(await removed.text()).toBe('');
    expect((await call('GET', `/servers/${id}`, adminKey)).status).toBe(404);
  });

  it("starts Gmail and Microsoft servers under their providers' sending limits unless told otherwise", async () => {
    const gmail = await call<ServerView>('POST', '/servers', adminKey, { name: 'gmail-quota', kind: 'gmail', account: 'Ana@Example.com', auth: 'password', password: 'app-password' });
    expect(gmail.body).toMatchObject({ host: 'smtp.gmail.com', port: 465, security: 'tls', account: 'ana@example.com', username: 'ana@example.com', perMinute: null, perDay: 2000 });
    const microsoft = await call<ServerView>('POST', '/servers', adminKey, { name: 'ms-quota', kind: 'microsoft', account: 'bo@example.com', auth: 'oauth2', perMinute: null, fromFilter: 'other.example' });
    // The From filter is the account: Outlook refuses any other From.
    expect(microsoft.body).toMatchObject({ host: 'smtp.office365.com', port: 587, security: 'starttls', perMinute: null, perDay: 10_000, fromFilter: 'bo@example.com' });
    const refused = await call('POST', '/servers', adminKey, { name: 'no-account', kind: 'gmail', auth: 'oauth2' });
    expect([refused.status, refused.body.error.field]).toEqual([400, 'account']);
  });

  it('answers 400 naming the field for bad server input, and 404 for an unknown server', async () => {
    const field = async (method: string, path: string, body: unknown) => {
      const answer = await call(method, path, adminKey, body);
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe('invalid');
      return answer.body.error.field as string;
    };
    expect(await field('POST', '/servers', { host: 'smtp.example.com' })).toBe('name');
    expect(await field('POST', '/servers', relay('bad-port', { port: 70000 }))).toBe('port');
    expect(await field('POST', '/servers', relay('bad-port', { port: 'x' }))).toBe('port');
    expect(await field('POST', '/servers', relay('bad-security', { security: 'ssl' }))).toBe('security');
    expect(await field('POST', '/servers', relay('no-user', { username: null }))).toBe('username');
    expect(await field('POST', '/servers', relay('no-host', { host: '' }))).toBe('host');
    expect(await field('POST', '/servers', relay('bad-filter', { fromFilter: 'not a domain!' }))).toBe('fromFilter');
    expect(await field('POST', '/servers', relay('bad-cert', { auth: 'certificate', security: 'tls', certificate: 'nope', privateKey: 'nope' }))).toBe('certificate');
    expect((await call('POST', '/servers', adminKey, relay('bad-key', { hostname: 'x' }))).body.error.message).toMatch(/hostname/);

    const first = await call<ServerView>('POST', '/servers', adminKey, relay('relay-taken'));
    expect(first.status).toBe(201);
    expect(await field('POST', '/servers', relay('relay-taken'))).toBe('name');
    expect(await field('PATCH', `/servers/${first.body.id}`, { perHour: -1 })).toBe('perHour');
    expect(await field('PATCH', `/servers/${first.body.id}`, { auth: 'password', username: 'relay', password: null })).toBe('password');
    expect((await call('GET', `/servers/${first.body.id}`, adminKey)).body).toEqual({ ...first.body, quotas: expect.any(Array) });

    for (const [method, path, body] of [
      ['GET', '/servers/srv_unknown'],
      ['PATCH', '/servers/srv_unknown', { priority: 1 }],
      ['DELETE', '/servers/srv_unknown'],
      ['POST', '/servers/srv_unknown/test', undefined],
    ] as Array<[string, string, unknown]>) {
      const answer = await call(method, path, adminKey, body);
      expect([method, path, answer.status, answer.body.error.code]).toEqual([method, path, 404, 'not_found']);
    }
  });

  it('tests a connection: ok against a real SMTP server, the failing step otherwise', async () => {
    const good = await call<ServerView>('POST', '/servers', adminKey, relay('relay-test'));
    const ok = await call('POST', `/servers/${good.body.id}/test`, adminKey);
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ ok: true, detail: expect.stringMatching(/connected to 127\.0\.0\.1:\d+.*authenticated as relay/) });
    expect(sink.authAttempts.some((a) => a.username === 'relay')).toBe(true);
    expect(sink.messages).toHaveLength(0);

    const wrong = await call<ServerView>('POST', '/servers', adminKey, relay('relay-wrong', { password: 'not the password' }));
    const refused = await call('POST', `/servers/${wrong.body.id}/test`, adminKey);
    expect(refused.status).toBe(200);
    expect(refused.body).toMatchObject({ ok: false, stage: 'auth', message: expect.stringMatching(/535/) });

    const closed = await call<ServerView>('POST', '/servers', adminKey, relay('relay-closed', { port: await closedPort(), auth: 'none' }));
    const unreachable = await call<TestResult>('POST', `/servers/${closed.body.id}/test`, adminKey);
    expect(unreachable.status).toBe(200);
    expect(unreachable.body).toMatchObject({ ok: false, stage: 'connect' });
    expect(unreachable.body.message).toMatch(/^connect: /);
  });

  it('reads and changes settings, all or nothing, showing the bulk server by name', async () => {
    const bulk = await call<ServerView>('POST', '/servers', adminKey, relay('relay-bulk'));
    const initial = await call('GET', '/settings', adminKey);
    expect(initial.body).toMatchObject({ domain_alias: null, default_from: null, bulk_server: null });
    expect(Object.keys(initial.body).sort()).toEqual(Object.keys(SETTINGS).sort());

    const set = await call('PATCH', '/settings', adminKey, { domain_alias: 'Mail.Example.com', default_from: 'notifications', bulk_server: bulk.body.id });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ domain_alias: 'mail.example.com', default_from: 'notifications', bulk_server: 'relay-bulk' });
    // Stored by id: renaming the server keeps the setting.
    await call('PATCH', `/servers/${bulk.body.id}`, adminKey, { name: 'relay-bulk-2' });
    expect((await call<SettingsView>('GET', '/settings', adminKey)).body.bulk_server).toBe('relay-bulk-2');

    const field = async (body: unknown) => {
      const answer = await call('PATCH', '/settings', adminKey, body);
      expect(answer.status).toBe(400);
      return answer.body.error.field as string;
    };
    expect(await field({ default_from: 'alerts', domain_alias: 'not a domain' })).toBe('domain_alias');
    expect(await field({ bulk_server: 'no-such-server' })).toBe('bulk_server');
    expect(await field({ default_from: 7 })).toBe('default_from');
    expect(await call('PATCH', '/settings', adminKey, { unknown_setting: 'x' })).toMatchObject({ status: 400, body: { error: { code: 'invalid' } } });
    expect((await call('GET', '/settings', adminKey)).body).toMatchObject({ domain_alias: 'mail.example.com', default_from: 'notifications', bulk_server: 'relay-bulk-2' });

    const clear = await call('PATCH', '/settings', adminKey, { bulk_server: '', default_from: '' });
    expect(clear.body).toMatchObject({ domain_alias: 'mail.example.com', default_from: null, bulk_server: null });
  });

  it('lists and adds users; passwords and their hashes never come back', async () => {
    const created = await call('POST', '/users', adminKey, { email: 'Bo@Example.com', role: 'sender', password: USER_PASSWORD });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.stringMatching(/^usr_/), email: 'bo@example.com', role: 'sender', mustChangePassword: false, createdAt: expect.any(String) });
    const list = await call<{ users: UserView[] }>('GET', '/users', adminKey);
    expect(list.body.users.map((u) => u.email)).toEqual(expect.arrayContaining(['admin@example.com', 'ana@example.com', 'bo@example.com']));
    for (const user of list.body.users) expect(Object.keys(user).sort()).toEqual(['createdAt', 'email', 'id', 'mustChangePassword', 'role']);

    const field = async (body: unknown) => {
      const answer = await call('POST', '/users', adminKey, body);
      expect(answer.status).toBe(400);
      return answer.body.error.field as string;
    };
    expect(await field({ email: 'bo@example.com', role: 'sender', password: USER_PASSWORD })).toBe('email');
    expect(await field({ email: 'not an address', role: 'sender', password: USER_PASSWORD })).toBe('email');
    expect(await field({ email: 'cy@example.com', role: 'owner', password: USER_PASSWORD })).toBe('role');
    expect(await field({ email: 'cy@example.com', role: 'sender', password: 'short' })).toBe('password');
    expect(await field({ email: 'cy@example.com', role: 'sender' })).toBe('password');

    // The new user can log in with the password the admin gave.
    const login = await fetch(`${base}/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'bo@example.com', password: USER_PASSWORD }) });
    expect(login.status).toBe(200);
  });

  it('creates an API key that is shown once, works, is listed by prefix only, and stops working when revoked', async () => {
    const created = await call<ApiKeyView & { key: string }>('POST', '/api-keys', senderKey, { name: 'deploy' });
    expect(created.status).toBe(201);
    const key: string = created.body.key;
    expect(key).toMatch(/^pr_/);
    expect(created.body).toMatchObject({ userId: sender.id, name: 'deploy', prefix: key.slice(0, 12), revokedAt: null });

    const mine = await call<{ apiKeys: ApiKeyView[] }>('GET', '/api-keys', key);
    expect(mine.status).toBe(200);
    expect(mine.body.apiKeys.map((k) => k.name).sort()).toEqual(['ana key', 'deploy']);
    expect(mine.body.apiKeys.every((k) => k.userId === sender.id)).toBe(true);
    expect(JSON.stringify(mine.body)).not.toContain(key);
    expect(JSON.stringify(mine.body)).not.toMatch(/hash/);
    const all = await call<{ apiKeys: ApiKeyView[] }>('GET', '/api-keys', adminKey);
    expect(new Set(all.body.apiKeys.map((k) => k.userId))).toEqual(new Set([admin.id, sender.id]));
    expect(JSON.stringify(all.body)).not.toContain(key);

    const revoked = await call('DELETE', `/api-keys/${created.body.id}`, senderKey);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ id: created.body.id, revokedAt: expect.any(String) });
    expect(revoked.body).not.toHaveProperty('key');
    const after = await call('GET', '/api-keys', key);
    expect(after).toMatchObject({ status: 401, body: { error: { code: 'unauthorized' } } });
    expect((await call('DELETE', `/api-keys/${created.body.id}`, senderKey)).status).toBe(404);
  });

  it('lets a sender manage only their own keys, and an admin anyone’s', async () => {
    const adminOwn = (await call<{ apiKeys: ApiKeyView[] }>('GET', '/api-keys', adminKey)).body.apiKeys.find((k) => k.userId === admin.id)!;
    const notYours = await call('DELETE', `/api-keys/${adminOwn.id}`, senderKey);
    expect(notYours).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    expect((await call('DELETE', '/api-keys/key_unknown', adminKey)).status).toBe(404);
    expect((await call('GET', '/servers', adminKey)).status).toBe(200);

    const forOther = await call('POST', '/api-keys', senderKey, { name: 'sneaky', userId: admin.id });
    expect(forOther).toMatchObject({ status: 403, body: { error: { code: 'forbidden', field: 'userId' } } });
    expect((await call('POST', '/api-keys', senderKey, { name: 'mine', userId: sender.id })).status).toBe(201);

    const given = await call<ApiKeyView & { key: string }>('POST', '/api-keys', adminKey, { name: 'for ana', userId: sender.id });
    expect(given.status).toBe(201);
    expect(given.body.userId).toBe(sender.id);
    expect((await call<{ apiKeys: ApiKeyView[] }>('GET', '/api-keys', given.body.key)).body.apiKeys.every((k) => k.userId === sender.id)).toBe(true);
    const byAdmin = await call('DELETE', `/api-keys/${given.body.id}`, adminKey);
    expect(byAdmin.status).toBe(200);
    expect((await call('GET', '/api-keys', given.body.key)).status).toBe(401);

    expect((await call('POST', '/api-keys', adminKey, { name: 'x', userId: 'usr_unknown' })).body.error).toMatchObject({ code: 'invalid', field: 'userId' });
    expect((await call('POST', '/api-keys', senderKey, { name: '' })).body.error).toMatchObject({ code: 'invalid', field: 'name' });
    expect((await call('POST', '/api-keys', senderKey, {})).body.error).toMatchObject({ code: 'invalid', field: 'name' });
  });

  it('documents the admin routes in the OpenAPI document', async () => {
    type Schema = { properties: Record<string, unknown> };
    type Operation = { requestBody?: { content: Record<string, { schema: Schema }> }; responses: Record<string, { content: Record<string, { schema: Schema }> }> };
    const document = (await (await fetch(`${base}/openapi.json`)).json()) as { paths: Record<string, Record<string, Operation>> };
    const routes = Object.entries(document.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`));
    expect(routes).toEqual(
      expect.arrayContaining([
        'GET /api/v1/servers',
        'POST /api/v1/servers',
        'GET /api/v1/servers/{id}',
        'PATCH /api/v1/servers/{id}',
        'DELETE /api/v1/servers/{id}',
        'POST /api/v1/servers/{id}/test',
        'GET /api/v1/settings',
        'PATCH /api/v1/settings',
        'GET /api/v1/users',
        'POST /api/v1/users',
        'GET /api/v1/api-keys',
        'POST /api/v1/api-keys',
        'DELETE /api/v1/api-keys/{id}',
      ]),
    );
    // Secrets are write-only: in the request body of a change, never in an answer.
    const server = document.paths['/api/v1/servers/{id}']!;
    const shown = Object.keys(server.get!.responses['200']!.content['application/json']!.schema.properties);
    expect(shown).toContain('hasSecret');
    expect(shown.filter((name) => ['password', 'certificate', 'privateKey', 'sealedSecret'].includes(name))).toEqual([]);
    expect(Object.keys(server.patch!.requestBody!.content['application/json']!.schema.properties)).toEqual(expect.arrayContaining(['password', 'certificate', 'privateKey']));
  });

  it('never shows a password in any answer', () => {
    expect(seen.length).toBeGreaterThan(50);
    for (const text of seen) {
      expect(text).not.toContain(SERVER_PASSWORD);
      expect(text).not.toContain(USER_PASSWORD);
      expect(text).not.toContain('correct horse battery');
    }
  });
});
