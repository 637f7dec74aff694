/**
 * Gmail and Microsoft servers over OAuth 2.0, end to end: a fake authorization server (PKCE,
 * refresh tokens, revocation) and a real SMTP server that takes AUTH XOAUTH2, both on 127.0.0.1,
 * with the real worker between them. Connecting stores the grant sealed; tokens are refreshed
 * before they lapse and once after the server refuses one; a revoked grant rests the server
 * and holds its mail without spending attempts until the account is connected again. Also the
 * Gmail app-password mode and Microsoft's From lock.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { setSetting, updateServer, type OutgoingServer, type ServerInput } from '../../src/servers/index.js';
import { completeAuthorization, startAuthorization, UNTIL_FURTHER_NOTICE, type Completed, type OAuthDeps } from '../../src/oauth/index.js';
import { createEngine, type Engine } from '../helpers/engine.js';
import { startSink, type Sink, type SinkOptions } from '../helpers/smtp-sink.js';
import { startFakeOAuth, type FakeOAuthServer } from '../helpers/fake-oauth-server.js';
import { testDatabaseKinds } from '../helpers/databases.js';
import { testCerts, type TestCerts } from '../helpers/certs.js';

const GMAIL = 'me@gmail.test';
const MICROSOFT = 'me@contoso.test';
const CLIENT = { clientId: 'test-client', clientSecret: 'test-secret' };

let certs: TestCerts;
beforeAll(async () => {
  certs = await testCerts();
});

describe.each(testDatabaseKinds())('Gmail and Microsoft servers on %s', (kind) => {
  let engine: Engine | undefined;
  let sink: Sink | undefined;
  let oauth: FakeOAuthServer | undefined;
  afterEach(async () => {
    await engine?.close();
    await sink?.close();
    await oauth?.close();
    engine = sink = oauth = undefined;
  });

  /** The fake provider, an XOAUTH2 sink that checks tokens with it, and an engine using both. */
  async function setUp(options: { expiresIn?: number; sink?: SinkOptions } = {}): Promise<{ e: Engine; s: Sink; o: FakeOAuthServer }> {
    const o = (oauth = await startFakeOAuth({ ...CLIENT, expiresIn: options.expiresIn }));
    const s = (sink = await startSink({ oauth: { accepts: (_user, token) => o.accepts(token) }, ...options.sink }));
    const endpoints = { gmailAuthorizeUrl: o.authorizeUrl, gmailTokenUrl: o.tokenUrl, microsoftAuthorizeUrl: o.authorizeUrl, microsoftTokenUrl: o.tokenUrl };
    const e = (engine = await createEngine(kind, { oauth: endpoints }));
    return { e, s, o };
  }

  const deps = (e: Engine): OAuthDeps => ({ store: e.app.store, clock: e.app.clock, secrets: e.app.secrets, oauth: e.app.config.oauth });

  function gmailServer(s: Sink, extra: Partial<ServerInput> = {}): ServerInput {
    return { name: 'Gmail', kind: 'gmail', account: GMAIL, auth: 'oauth2', host: '127.0.0.1', port: s.port, security: 'none', ...extra };
  }

  /** Start, then play the browser: the fake provider redirects at once with a code, which completes the grant. */
  async function connect(e: Engine, server: OutgoingServer, client: Partial<typeof CLIENT> = CLIENT): Promise<Completed> {
    const started = await startAuthorization(deps(e), server, { redirectUri: 'http://127.0.0.1:9/callback', ...client });
    const answer = await fetch(started.authorizeUrl, { redirect: 'manual' });
    const back = new URL(answer.headers.get('location') ?? '');
    return completeAuthorization(deps(e), { state: back.searchParams.get('state') ?? '', code: back.searchParams.get('code') ?? undefined });
  }

  async function recipient(e: Engine, messageId: string) {
    return e.app.store.db.selectFrom('recipients').selectAll().where('message_id', '=', messageId).executeTakeFirstOrThrow();
  }

  async function eventTypes(e: Engine, messageId: string): Promise<string[]> {
    const rows = await e.app.store.db.selectFrom('events').select('type').where('message_id', '=', messageId).orderBy('created_at').orderBy('id').execute();
    return rows.map((r) => r.type);
  }

  async function waitFor<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await check();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  const heldEvent = (e: Engine, messageId: string) =>
    waitFor(() => e.app.store.db.selectFrom('events').selectAll().where('message_id', '=', messageId).where('type', '=', 'held').executeTakeFirst(), `a held event of ${messageId}`);

  it('connects an account with PKCE, stores the grant sealed, and delivers with XOAUTH2 as the account over implicit TLS', async () => {
    const { e, s, o } = await setUp({ sink: { secure: true, cert: certs.serverCert, key: certs.serverKey } });
    const server = await e.addServer(gmailServer(s, { security: 'tls', tlsCa: certs.caCert }));

    const done = await connect(e, server);
    expect(done).toMatchObject({ ok: true, account: GMAIL });
    const asked = o.authorizeRequests[0]!;
    expect(asked.codeChallengeMethod).toBe('S256');
    expect(asked.codeChallenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(asked.scope.split(' ')).toContain('https://mail.google.com/');
    expect(asked.params).toMatchObject({ response_type: 'code', access_type: 'offline', prompt: 'consent', login_hint: GMAIL });
    // The code was traded with the verifier and the client's secret in the form body (client_secret_post).
    expect(o.tokenRequests[0]).toMatchObject({ grantType: 'authorization_code', params: { client_id: 'test-client', client_secret: 'test-secret' } });
    expect(o.tokenRequests[0]!.params.code_verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const grant = await e.app.store.db.selectFrom('oauth_grants').selectAll().where('server_id', '=', server.id).executeTakeFirstOrThrow();
    const raw = JSON.stringify(grant);
    expect(raw).not.toContain('test-secret');
    expect(raw).not.toContain(o.issued[0]!);
    expect(raw).not.toMatch(/"rt-/);
    expect(e.app.secrets.open(grant.access_token!)).toBe(o.issued[0]);
    expect(e.app.secrets.open(grant.refresh_token!)).toMatch(/^rt-/);
    expect(e.app.secrets.open(grant.client_secret!)).toBe('test-secret');
    expect(grant).toMatchObject({ provider: 'gmail', account: GMAIL, revoked_at: null });
    const state = await e.app.store.db.selectFrom('oauth_states').selectAll().execute();
    expect(state).toHaveLength(0);
    expect(JSON.stringify(state)).not.toContain(o.tokenRequests[0]!.params.code_verifier);

    // A state is good once.
    const again = await completeAuthorization(deps(e), { state: asked.state, code: 'code-whatever' });
    expect(again).toMatchObject({ ok: false, reason: expect.stringMatching(/unknown or already used/) });

    const id = await e.enqueue({ from: GMAIL, to: ['friend@example.org'], subject: 'Over OAuth', text: 'Hello' });
    e.startWorker();
    await e.waitForStatus([id], ['sent']);
    expect(s.authAttempts).toEqual([{ method: 'XOAUTH2', username: GMAIL, accessToken: o.issued[0] }]);
    expect(s.messages[0]).toMatchObject({ user: GMAIL, tls: true, from: GMAIL });
    expect(o.refreshes()).toBe(0);
  });

  it('refuses a state that has expired and a sign-in as another account', async () => {
    const { e, s, o } = await setUp();
    const server = await e.addServer(gmailServer(s));
    o.setAccount('someone-else@gmail.test');
    const wrong = await connect(e, server);
    expect(wrong).toMatchObject({ ok: false, reason: expect.stringMatching(/signed in as someone-else@gmail.test, but server "Gmail" sends as me@gmail.test/) });
    o.setAccount(undefined);

    const started = await startAuthorization(deps(e), server, { redirectUri: 'http://127.0.0.1:9/callback' });
    await e.app.store.db.updateTable('oauth_states').set({ expires_at: Date.now() - 1 }).where('state', '=', started.state).execute();
    const late = await completeAuthorization(deps(e), { state: started.state, code: 'x' });
    expect(late).toMatchObject({ ok: false, reason: expect.stringMatching(/longer than 10 minutes/) });
    const grant = await e.app.store.db.selectFrom('oauth_grants').selectAll().where('server_id', '=', server.id).executeTakeFirstOrThrow();
    expect(grant.refresh_token).toBeNull();
  });

  it('refreshes a token that lapses within five minutes before the session, so the server only ever sees a fresh one', async () => {
    const { e, s, o } = await setUp({ expiresIn: 120 });
    const server = await e.addServer(gmailServer(s));
    expect(await connect(e, server)).toMatchObject({ ok: true });
    o.setExpiresIn(3600);

    const first = await e.enqueue({ from: GMAIL, to: ['a@example.org'], subject: 'One', text: '1' });
    e.startWorker();
    await e.waitForStatus([first], ['sent']);
    expect(o.refreshes()).toBe(1);
    expect(o.tokenRequests.at(-1)).toMatchObject({ grantType: 'refresh_token', params: { client_id: 'test-client', client_secret: 'test-secret' } });
    // Gmail's refresh answer has no refresh token: the stored one is kept.
    expect(s.authAttempts.map((a) => a.accessToken)).toEqual([o.issued[1]]);
    const grant = await e.app.store.db.selectFrom('oauth_grants').selectAll().where('server_id', '=', server.id).executeTakeFirstOrThrow();
    expect(e.app.secrets.open(grant.access_token!)).toBe(o.issued[1]);
    expect(grant.access_expires_at!).toBeGreaterThan(Date.now() + 50 * 60_000);
    expect(grant.refresh_token).not.toBeNull();

    // The refreshed token is good for an hour: the next message goes without another refresh.
    const second = await e.enqueue({ from: GMAIL, to: ['b@example.org'], subject: 'Two', text: '2' });
    await e.waitForStatus([second], ['sent']);
    expect(o.refreshes()).toBe(1);
    // The refresh did not touch the servers row (that would rebuild every worker's sessions).
    const row = await e.app.store.db.selectFrom('servers').select('updated_at').where('id', '=', server.id).executeTakeFirstOrThrow();
    expect(row.updated_at).toBe(server.updatedAt);
  });

  it.each([
    ['Gmail', 'challenge' as const],
    ['Microsoft', '535' as const],
  ])('%s: after the server refuses the token, one forced refresh, and the message goes without spending an attempt', async (provider, failure) => {
    const { e, s, o } = await setUp({ sink: { oauth: { accepts: (_user, token) => oauth!.accepts(token), failure } } });
    const account = provider === 'Gmail' ? GMAIL : MICROSOFT;
    const server = await e.addServer(
      provider === 'Gmail' ? gmailServer(s) : { name: 'Outlook', kind: 'microsoft', account, auth: 'oauth2', host: '127.0.0.1', port: s.port, security: 'none' },
    );
    expect(await connect(e, server)).toMatchObject({ ok: true });
    // The provider revoked this access token early, though it has most of an hour left.
    o.reject(o.issued[0]!);

    const id = await e.enqueue({ from: account, to: ['friend@example.org'], subject: 'Retry', text: 'Hi' });
    e.startWorker();
    await e.waitForStatus([id], ['sent']);
    expect(o.refreshes()).toBe(1);
    expect(s.authAttempts.map((a) => a.accessToken)).toEqual([o.issued[0], o.issued[1]]);
    expect(s.authAttempts.every((a) => a.username === account)).toBe(true);
    expect((await recipient(e, id)).attempts).toBe(1);
    expect(await eventTypes(e, id)).toEqual(['queued', 'sent']);
    if (provider === 'Microsoft') expect(o.authorizeRequests[0]!.scope.split(' ')).toEqual(expect.arrayContaining(['https://outlook.office.com/SMTP.Send', 'offline_access']));
  });

  it('rests a server whose grant was revoked, holds its mail without spending attempts, and delivers it once reconnected', async () => {
    const { e, s, o } = await setUp();
    const server = await e.addServer(gmailServer(s));
    expect(await connect(e, server)).toMatchObject({ ok: true });
    o.revoke();

    const first = await e.enqueue({ from: GMAIL, to: ['a@example.org'], subject: 'One', text: '1' });
    e.startWorker();
    const held = await heldEvent(e, first);
    const reason = 'Gmail access for me@gmail.test was revoked (invalid_grant): reconnect the account (postroom server connect Gmail, or Settings → Servers → Connect)';
    expect(held.detail).toContain(reason);
    const rested = await e.app.store.db.selectFrom('servers').selectAll().where('id', '=', server.id).executeTakeFirstOrThrow();
    expect(rested).toMatchObject({ paused_until: UNTIL_FURTHER_NOTICE, pause_reason: reason, updated_at: server.updatedAt });
    const grant = await e.app.store.db.selectFrom('oauth_grants').selectAll().where('server_id', '=', server.id).executeTakeFirstOrThrow();
    expect(grant.revoked_at).not.toBeNull();
    expect(grant.revoked_reason).toBe(reason);
    expect(await recipient(e, first)).toMatchObject({ status: 'queued', attempts: 0, next_attempt_at: UNTIL_FURTHER_NOTICE });

    // More mail while resting waits too, without asking the provider again.
    const refreshesAsked = o.tokenRequests.filter((r) => r.grantType === 'refresh_token').length;
    const second = await e.enqueue({ from: GMAIL, to: ['b@example.org'], subject: 'Two', text: '2' });
    await heldEvent(e, second);
    expect(o.tokenRequests.filter((r) => r.grantType === 'refresh_token').length).toBe(refreshesAsked);
    expect(await recipient(e, second)).toMatchObject({ status: 'queued', attempts: 0 });
    expect(s.messages).toHaveLength(0);

    // Changing the server (here its priority) does not end the rest: only connecting does.
    await updateServer(e.app, server.id, { priority: 3 });
    expect(await e.app.store.db.selectFrom('servers').select(['paused_until', 'pause_reason']).where('id', '=', server.id).executeTakeFirstOrThrow()).toEqual({
      paused_until: UNTIL_FURTHER_NOTICE,
      pause_reason: reason,
    });

    // Reconnecting (no client given: the stored one is used) ends the rest and releases the held mail.
    expect(await connect(e, server, {})).toMatchObject({ ok: true });
    await e.waitForStatus([first, second], ['sent']);
    expect((await recipient(e, first)).attempts).toBe(1);
    expect((await recipient(e, second)).attempts).toBe(1);
    const after = await e.app.store.db.selectFrom('servers').selectAll().where('id', '=', server.id).executeTakeFirstOrThrow();
    expect(after).toMatchObject({ paused_until: null, pause_reason: null });
    expect(s.authAttempts.at(-1)!.accessToken).toBe(o.issued.at(-1));
  });

  it('holds mail for a server whose account was never connected', async () => {
    const { e, s } = await setUp();
    const server = await e.addServer(gmailServer(s));
    const id = await e.enqueue({ from: GMAIL, to: ['a@example.org'], subject: 'Early', text: '1' });
    e.startWorker();
    const held = await heldEvent(e, id);
    expect(held.detail).toContain('Gmail account me@gmail.test is not connected yet: connect the account (postroom server connect Gmail');
    expect(await recipient(e, id)).toMatchObject({ status: 'queued', attempts: 0 });
    expect(await connect(e, server)).toMatchObject({ ok: true });
    await e.waitForStatus([id], ['sent']);
  });

  it('delivers through Gmail with an app password (AUTH PLAIN as the account)', async () => {
    const { e } = await setUp();
    await sink!.close();
    const password = 'abcd efgh ijkl mnop';
    const s = (sink = await startSink({ auth: { username: GMAIL, password } }));
    const server = await e.addServer({ name: 'Gmail app password', kind: 'gmail', account: GMAIL, auth: 'password', password, host: '127.0.0.1', port: s.port, security: 'none' });
    expect(server.username).toBe(GMAIL);
    const id = await e.enqueue({ from: GMAIL, to: ['friend@example.org'], subject: 'App password', text: 'Hi' });
    e.startWorker();
    await e.waitForStatus([id], ['sent']);
    expect(s.authAttempts).toEqual([{ method: 'PLAIN', username: GMAIL }]);
    expect(s.messages[0]!.user).toBe(GMAIL);
  });

  it('locks a Microsoft server to its account, and mail from another address goes out rewritten as routing does', async () => {
    const { e, s, o } = await setUp({ sink: { oauth: { accepts: (_user, token) => oauth!.accepts(token), failure: '535' } } });
    const server = await e.addServer({ name: 'Outlook', kind: 'microsoft', account: MICROSOFT, auth: 'oauth2', fromFilter: 'example.com', host: '127.0.0.1', port: s.port, security: 'none' });
    expect(server.fromFilter).toBe(MICROSOFT);
    await setSetting(e.app.store, 'domain_alias', 'contoso.test');
    await setSetting(e.app.store, 'default_from', 'me');
    expect(await connect(e, server)).toMatchObject({ ok: true });

    const id = await e.enqueue({ from: 'Jo <jo@elsewhere.test>', to: ['friend@example.org'], subject: 'Rewritten', text: 'Hi' });
    e.startWorker();
    await e.waitForStatus([id], ['sent']);
    const got = s.messages[0]!;
    const head = got.raw.toString('utf8').split('\r\n\r\n')[0]!;
    expect(got.from).toBe(MICROSOFT);
    expect(head).toMatch(/^From: .*me@contoso\.test/m);
    expect(head).toMatch(/^Reply-To: Jo <jo@elsewhere\.test>$/m);
    expect(s.authAttempts).toEqual([{ method: 'XOAUTH2', username: MICROSOFT, accessToken: o.issued[0] }]);
  });
});
