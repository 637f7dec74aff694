/**
 * Connecting a Gmail server's account over the HTTP API, as the web UI's Connect button does:
 * start (admin only; the client id and secret stored, never shown), the browser's trip to the
 * provider and back to /api/v1/oauth/callback, the redirect to the Servers page, and mail then
 * going out with XOAUTH2. The test plays the browser against a fake authorization server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type Api } from '../http/api-harness.js';
import { testDatabaseKinds } from '../helpers/databases.js';
import { startSink, type Sink } from '../helpers/smtp-sink.js';
import { startFakeOAuth, playBrowser, type FakeOAuthServer } from '../helpers/fake-oauth-server.js';

const ACCOUNT = 'me@gmail.test';

type Started = { authorizeUrl: string; redirectUri: string; expiresAt: string };
type ErrorBody = { error: { code: string; message: string; field: string | null } };

describe.each(testDatabaseKinds())('OAuth connect over the API (%s)', (kind) => {
  let api: Api;
  let oauth: FakeOAuthServer;
  let sink: Sink;
  let serverId: string;
  const seen: string[] = [];

  beforeAll(async () => {
    oauth = await startFakeOAuth({ clientId: 'web-client', clientSecret: 'web-secret-7d1' });
    sink = await startSink({ oauth: { accepts: (_user, token) => oauth.accepts(token) } });
    api = await startApi(kind, { engine: { oauth: { gmailAuthorizeUrl: oauth.authorizeUrl, gmailTokenUrl: oauth.tokenUrl } } });
    const created = await api.request<{ id: string }>('POST', '/api/v1/servers', {
      key: api.admin.key,
      body: { name: 'Gmail', kind: 'gmail', auth: 'oauth2', account: ACCOUNT, host: '127.0.0.1', port: sink.port, security: 'none' },
    });
    expect(created.status).toBe(201);
    serverId = created.json.id;
  });

  afterAll(async () => {
    await api?.close();
    await sink?.close();
    await oauth?.close();
  });

  const start = async (body?: Record<string, unknown>, key = api.admin.key) => {
    const answer = await api.request<Started & ErrorBody>('POST', `/api/v1/servers/${serverId}/oauth/start`, { key, ...(body ? { body } : {}) });
    seen.push(answer.text);
    return answer;
  };

  it('lets only an admin start, and asks for the client id the first time', async () => {
    expect((await start({ clientId: 'web-client' }, api.senderA.key)).status).toBe(403);
    const missing = await start();
    expect(missing.status).toBe(400);
    expect(missing.json.error.field).toBe('clientId');
    const smtp = await api.request<{ id: string }>('POST', '/api/v1/servers', { key: api.admin.key, body: { name: 'Relay', host: '127.0.0.1', port: 2525, security: 'none' } });
    const wrong = await api.request<ErrorBody>('POST', `/api/v1/servers/${smtp.json.id}/oauth/start`, { key: api.admin.key, body: { clientId: 'x' } });
    expect(wrong.status).toBe(400);
    expect(wrong.json.error.message).toMatch(/not a Gmail or Microsoft server/);
  });

  it('connects: start, sign in, back to the callback, redirected to the Servers page; then mail goes with XOAUTH2', async () => {
    const started = await start({ clientId: 'web-client', clientSecret: 'web-secret-7d1' });
    expect(started.status).toBe(200);
    expect(started.json.redirectUri).toBe(`${api.origin}/api/v1/oauth/callback`);
    const url = new URL(started.json.authorizeUrl);
    expect(`${url.origin}${url.pathname}`).toBe(oauth.authorizeUrl);
    expect(url.searchParams.get('redirect_uri')).toBe(started.json.redirectUri);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');

    const back = await playBrowser(started.json.authorizeUrl);
    expect(back.status).toBe(302);
    expect(back.headers.get('location')).toBe('/servers?connected=Gmail');

    const view = await api.request<{ oauthConnected: boolean; oauthRevoked: boolean }>('GET', `/api/v1/servers/${serverId}`, { key: api.admin.key });
    seen.push(view.text);
    expect(view.json).toMatchObject({ oauthConnected: true, oauthRevoked: false });

    const id = await api.engine.enqueue({ from: ACCOUNT, to: ['friend@example.org'], subject: 'Via API', text: 'Hi' });
    api.engine.startWorker();
    await api.engine.waitForStatus([id], ['sent']);
    expect(sink.authAttempts.at(-1)).toEqual({ method: 'XOAUTH2', username: ACCOUNT, accessToken: oauth.issued.at(-1) });
  });

  it('redirects with oauth_error when the state is used twice or the person says no, and takes a redirect URI of our choosing', async () => {
    const started = await start();
    const first = await fetch(started.json.authorizeUrl, { redirect: 'manual' });
    const callback = first.headers.get('location')!;
    expect((await fetch(callback, { redirect: 'manual' })).headers.get('location')).toBe('/servers?connected=Gmail');
    const replay = await fetch(callback, { redirect: 'manual' });
    expect(replay.status).toBe(302);
    const replayed = new URL(replay.headers.get('location')!, api.origin);
    expect(replayed.pathname).toBe('/servers');
    expect(replayed.searchParams.get('oauth_error')).toMatch(/unknown or already used/);

    oauth.denyNext();
    const denied = await playBrowser((await start()).json.authorizeUrl);
    const deniedAt = new URL(denied.headers.get('location')!, api.origin);
    expect(deniedAt.searchParams.get('oauth_error')).toBe('Gmail answered access_denied: The user said no');
    expect(deniedAt.searchParams.get('server')).toBe('Gmail');

    const own = await start({ redirectUri: 'https://postroom.example.com/api/v1/oauth/callback' });
    expect(new URL(own.json.authorizeUrl).searchParams.get('redirect_uri')).toBe('https://postroom.example.com/api/v1/oauth/callback');
    expect((await start({ redirectUri: 'ftp://nope' })).json.error.field).toBe('redirectUri');
  });

  it('never shows the client secret or a token', () => {
    const all = seen.join('\n');
    expect(all).not.toContain('web-secret-7d1');
    for (const token of oauth.issued) expect(all).not.toContain(token);
  });
});
