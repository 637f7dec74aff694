/**
 * SMTP relay logins over real HTTP: created with a password shown once (and only its hash kept),
 * listed per owner (everyone's for an admin), refused input answered 400 naming the field, and
 * revoked — after which the relay's own authenticator refuses the password.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { testDatabaseKinds } from '../helpers/databases.js';
import { createSmtpAuthenticator } from '../../src/users/index.js';
import type { smtpCredentialView } from '../../src/http/routes/list-smtp-credentials.js';
import { startApi, type Api, type ErrorBody } from './api-harness.js';

type CredentialView = z.infer<typeof smtpCredentialView>;
type Listed = { smtpCredentials: CredentialView[]; relay: { starttls: boolean } };
type Created = CredentialView & { password: string };

describe.each(testDatabaseKinds())('SMTP credentials API (%s)', (kind) => {
  let api: Api;
  /** Every answer's text but the creations', checked at the end for passwords. */
  const seen: string[] = [];
  const passwords: string[] = [];

  beforeAll(async () => {
    api = await startApi(kind);
  });
  afterAll(async () => {
    await api?.close();
  });

  async function call<T = ErrorBody>(method: string, path: string, key: string, body?: unknown) {
    const answer = await api.request<T>(method, `/api/v1${path}`, { key, body });
    if (method === 'POST' && answer.status === 201) passwords.push((answer.json as { password: string }).password);
    else seen.push(answer.text);
    return answer;
  }
  const list = async (key: string, query = '') => (await call<Listed>('GET', `/smtp-credentials${query}`, key)).json;

  it('creates a login whose password is shown once, works for AUTH, and is never listed', async () => {
    const created = await call<Created>('POST', '/smtp-credentials', api.senderA.key, { name: 'ERP', allowFrom: 'billing@example.com, Example.org', lane: 'bulk', trackOpens: true });
    expect(created.status).toBe(201);
    expect(created.json).toEqual({
      id: expect.stringMatching(/^smc_/),
      userId: api.senderA.user.id,
      name: 'ERP',
      username: expect.stringMatching(/^smtp_[a-z0-9]+$/),
      allowedFrom: ['billing@example.com', 'example.org'],
      lane: 'bulk',
      server: null,
      track: { opens: true, clicks: false },
      createdAt: expect.any(String),
      lastUsedAt: null,
      revokedAt: null,
      password: expect.stringMatching(/^[A-Za-z0-9_-]{40,}$/),
    });
    const { password, ...view } = created.json;

    const mine = await list(api.senderA.key);
    expect(mine.smtpCredentials).toEqual([view]);
    expect(JSON.stringify(mine)).not.toContain(password);
    expect(JSON.stringify(mine)).not.toMatch(/hash/i);
    // No certificate in the test config: the relay is loopback-only, without STARTTLS.
    expect(mine.relay).toEqual({ starttls: false });

    const authenticate = createSmtpAuthenticator(api.engine.app.store, api.engine.app.clock);
    expect(await authenticate(view.username, password)).toMatchObject({ credentialId: view.id, user: { id: api.senderA.user.id }, lane: 'bulk', track: { opens: true, clicks: false } });
    expect(await authenticate(view.username, `${password}x`)).toBeNull();
  });

  it('defaults to the transactional lane and the domain of the owner’s address', async () => {
    const created = await call<Created>('POST', '/smtp-credentials', api.senderA.key, {});
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ name: 'SMTP relay', allowedFrom: ['example.com'], lane: 'transactional', server: null, track: { opens: false, clicks: false } });
  });

  it("shows a sender only their own logins, and an admin everyone's, by user when asked", async () => {
    const ofB = await call<Created>('POST', '/smtp-credentials', api.senderB.key, { name: 'B app' });
    expect(ofB.status).toBe(201);
    const ofA = (await list(api.senderA.key)).smtpCredentials;
    expect(ofA.length).toBeGreaterThanOrEqual(2);
    expect(ofA.every((c) => c.userId === api.senderA.user.id)).toBe(true);
    expect((await list(api.senderB.key)).smtpCredentials.map((c) => c.id)).toEqual([ofB.json.id]);

    const all = (await list(api.admin.key)).smtpCredentials;
    expect(all.map((c) => c.id).sort()).toEqual([...ofA.map((c) => c.id), ofB.json.id].sort());
    expect((await list(api.admin.key, `?userId=${api.senderB.user.id}`)).smtpCredentials.map((c) => c.id)).toEqual([ofB.json.id]);
    expect((await list(api.admin.key, '?userId=sender-b@example.com')).smtpCredentials.map((c) => c.id)).toEqual([ofB.json.id]);
    expect((await list(api.senderA.key, `?userId=${api.senderA.user.id}`)).smtpCredentials).toEqual(ofA);

    const peek = await call('GET', `/smtp-credentials?userId=${api.senderB.user.id}`, api.senderA.key);
    expect(peek).toMatchObject({ status: 403, json: { error: { code: 'forbidden', field: 'userId' } } });
    const unknown = await call('GET', '/smtp-credentials?userId=usr_unknown', api.admin.key);
    expect(unknown).toMatchObject({ status: 400, json: { error: { code: 'invalid', field: 'userId' } } });
  });

  it('lets an admin create a login for another user, and refuses a sender doing so', async () => {
    const given = await call<Created>('POST', '/smtp-credentials', api.admin.key, { name: 'for B', userId: api.senderB.user.id, allowFrom: 'b.example' });
    expect(given.status).toBe(201);
    expect(given.json).toMatchObject({ userId: api.senderB.user.id, allowedFrom: ['b.example'] });
    expect((await list(api.senderB.key)).smtpCredentials.map((c) => c.id)).toContain(given.json.id);

    const before = (await list(api.admin.key)).smtpCredentials.length;
    const sneaky = await call('POST', '/smtp-credentials', api.senderA.key, { name: 'sneaky', userId: api.senderB.user.id });
    expect(sneaky).toMatchObject({ status: 403, json: { error: { code: 'forbidden', field: 'userId' } } });
    expect((await call('POST', '/smtp-credentials', api.senderA.key, { name: 'own', userId: api.senderA.user.id })).status).toBe(201);
    expect((await list(api.admin.key)).smtpCredentials.length).toBe(before + 1);
  });

  it('answers 400 naming the field for bad input, and creates nothing', async () => {
    const before = (await list(api.admin.key)).smtpCredentials.length;
    const field = async (body: unknown, key = api.senderA.key) => {
      const answer = await call('POST', '/smtp-credentials', key, body);
      expect(answer.status, JSON.stringify(answer.json)).toBe(400);
      expect(answer.json.error.code).toBe('invalid');
      return answer.json.error;
    };
    const badFrom = await field({ name: 'x', allowFrom: 'not a domain!' });
    expect(badFrom.field).toBe('allowFrom');
    expect(badFrom.message).toMatch(/not a domain!.*neither a domain nor an address/);
    expect((await field({ allowFrom: ' , ' })).field).toBe('allowFrom');
    expect((await field({ name: '' })).field).toBe('name');
    expect((await field({ name: 'tab\there' })).field).toBe('name');
    expect((await field({ lane: 'fast' })).field).toBe('lane');
    expect((await field({ server: 'no-such-server' })).field).toBe('server');
    expect((await field({ userId: 'usr_unknown' }, api.admin.key)).field).toBe('userId');
    expect((await list(api.admin.key)).smtpCredentials.length).toBe(before);
  });

  it('binds a login to a server, shown by name', async () => {
    const server = await api.engine.addServer({ name: 'office-relay', host: '127.0.0.1', port: 2, security: 'none' });
    const created = await call<Created>('POST', '/smtp-credentials', api.admin.key, { server: server.id });
    expect(created.json).toMatchObject({ server: 'office-relay' });
    expect((await call<Created>('POST', '/smtp-credentials', api.admin.key, { server: 'office-relay' })).json.server).toBe('office-relay');
  });

  it('revokes a login at once; a sender cannot revoke another’s, and twice answers 404', async () => {
    const created = await call<Created>('POST', '/smtp-credentials', api.senderA.key, { name: 'to revoke' });
    const authenticate = createSmtpAuthenticator(api.engine.app.store, api.engine.app.clock);
    expect(await authenticate(created.json.username, created.json.password)).not.toBeNull();

    const notYours = await call('DELETE', `/smtp-credentials/${created.json.id}`, api.senderB.key);
    expect(notYours).toMatchObject({ status: 404, json: { error: { code: 'not_found' } } });
    expect((await list(api.senderA.key)).smtpCredentials.find((c) => c.id === created.json.id)?.revokedAt).toBeNull();

    const revoked = await call<CredentialView>('DELETE', `/smtp-credentials/${created.json.id}`, api.senderA.key);
    expect(revoked.status).toBe(200);
    expect(revoked.json).toMatchObject({ id: created.json.id, revokedAt: expect.any(String) });
    expect(revoked.json).not.toHaveProperty('password');
    expect((await list(api.senderA.key)).smtpCredentials.find((c) => c.id === created.json.id)?.revokedAt).toBe(revoked.json.revokedAt);
    expect(await authenticate(created.json.username, created.json.password)).toBeNull();
    expect((await call('DELETE', `/smtp-credentials/${created.json.id}`, api.senderA.key)).status).toBe(404);

    // By username too, and an admin may revoke anyone's.
    const ofB = await call<Created>('POST', '/smtp-credentials', api.senderB.key, { name: 'B, revoked by admin' });
    const byAdmin = await call<CredentialView>('DELETE', `/smtp-credentials/${ofB.json.username}`, api.admin.key);
    expect(byAdmin).toMatchObject({ status: 200, json: { id: ofB.json.id, userId: api.senderB.user.id, revokedAt: expect.any(String) } });
    expect((await call('DELETE', '/smtp-credentials/smc_unknown', api.admin.key)).status).toBe(404);
  });

  it('answers 401 without an API key', async () => {
    for (const [method, path, body] of [
      ['GET', '/smtp-credentials'],
      ['POST', '/smtp-credentials', {}],
      ['DELETE', '/smtp-credentials/smc_x'],
    ] as Array<[string, string, unknown]>) {
      const answer = await api.request<ErrorBody>(method, `/api/v1${path}`, { body });
      expect([method, path, answer.status, answer.json.error.code]).toEqual([method, path, 401, 'unauthorized']);
    }
  });

  it('documents the routes, and says the password is not stored', async () => {
    type Schema = { properties: Record<string, { description?: string }> };
    type Operation = { requestBody?: { content: Record<string, { schema: Schema }> }; responses: Record<string, { content?: Record<string, { schema: Schema }> }> };
    const document = (await api.request<{ paths: Record<string, Record<string, Operation>> }>('GET', '/api/v1/openapi.json')).json;
    const routes = Object.entries(document.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`));
    expect(routes).toEqual(expect.arrayContaining(['GET /api/v1/smtp-credentials', 'POST /api/v1/smtp-credentials', 'DELETE /api/v1/smtp-credentials/{id}']));
    const create = document.paths['/api/v1/smtp-credentials']!.post!;
    expect(Object.keys(create.requestBody!.content['application/json']!.schema.properties).sort()).toEqual(['allowFrom', 'lane', 'name', 'server', 'trackClicks', 'trackOpens', 'userId']);
    expect(create.responses['201']!.content!['application/json']!.schema.properties.password!.description).toMatch(/not stored/);
    const listed = document.paths['/api/v1/smtp-credentials']!.get!.responses['200']!.content!['application/json']!.schema;
    expect(JSON.stringify(listed)).not.toMatch(/password/i);
  });

  it('never shows a password except in the answer that created it', () => {
    expect(passwords.length).toBeGreaterThan(5);
    for (const text of seen) for (const password of passwords) expect(text).not.toContain(password);
  });
});

describe('SMTP credentials API with a relay certificate', () => {
  it('tells the client the relay offers STARTTLS', async () => {
    const api = await startApi('sqlite', { engine: { smtp: { tlsCert: '/etc/postroom/relay.crt', tlsKey: '/etc/postroom/relay.key' } } });
    try {
      const answer = await api.request<Listed>('GET', '/api/v1/smtp-credentials', { key: api.senderA.key });
      expect(answer.json).toEqual({ smtpCredentials: [], relay: { starttls: true } });
    } finally {
      await api.close();
    }
  });
});
