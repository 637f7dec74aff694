/**
 * `postroom server connect` with the built CLI (`npm run build` first): it adds the server,
 * prints the provider's sign-in address and waits on a loopback listener (RFC 8252 §7.3). The
 * test plays the browser: it opens the printed address at the fake authorization server and
 * follows its redirect to the listener. Then a worker sends with the connected account.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSink, type Sink } from '../helpers/smtp-sink.js';
import { startFakeOAuth, playBrowser, type FakeOAuthServer } from '../helpers/fake-oauth-server.js';
import { assertBuilt, cli, newDataDir, ok, query, startCli, waitFor, within, type Child } from '../cli/run-cli.js';

const ACCOUNT = 'me@gmail.test';

beforeAll(() => assertBuilt());

describe('postroom server connect', () => {
  let data: ReturnType<typeof newDataDir> | undefined;
  let sink: Sink | undefined;
  let oauth: FakeOAuthServer | undefined;
  const children: Child[] = [];
  afterEach(async () => {
    for (const child of children.splice(0)) child.kill();
    await sink?.close();
    await oauth?.close();
    data?.remove();
    data = sink = oauth = undefined;
  });

  async function setUp(): Promise<{ dir: string; env: Record<string, string>; o: FakeOAuthServer; s: Sink }> {
    const o = (oauth = await startFakeOAuth({ clientId: 'cli-client', clientSecret: 'cli-secret-42' }));
    const s = (sink = await startSink({ oauth: { accepts: (_user, token) => o.accepts(token) } }));
    data = newDataDir();
    const env = { POSTROOM_GMAIL_AUTHORIZE_URL: o.authorizeUrl, POSTROOM_GMAIL_TOKEN_URL: o.tokenUrl, GMAIL_CLIENT_SECRET: 'cli-secret-42' };
    return { dir: data.dir, env, o, s };
  }

  /** Starts `server connect`, waits for the printed address, and opens it as a browser would. */
  async function connect(dir: string, env: Record<string, string>, args: string[]): Promise<{ child: Child; page: Response }> {
    const child = startCli(dir, ['--json', 'server', 'connect', 'gmail', '--name', 'Gmail', ...args], { env });
    children.push(child);
    const url = await waitFor(async () => /^\s+(http:\/\/\S+)$/m.exec(child.stderr())?.[1], 20_000, `the sign-in address in: ${child.stderr()}`);
    return { child, page: await playBrowser(url) };
  }

  it('adds the server, connects it through the loopback redirect, and a worker then sends with XOAUTH2', async () => {
    const { dir, env, o, s } = await setUp();
    const flags = ['--account', ACCOUNT, '--client-id', 'cli-client', '--client-secret-env', 'GMAIL_CLIENT_SECRET', '--host', '127.0.0.1', '--port', String(s.port), '--security', 'none'];
    const { child, page } = await connect(dir, env, flags);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/server Gmail is connected as me@gmail.test\. You can close this page\./);
    const exit = await within(child.exited, 30_000, 'server connect');
    expect(exit.code, child.stderr()).toBe(0);
    const printed = JSON.parse(child.stdout()) as { connected: boolean; account: string; server: { name: string; kind: string; auth: string } };
    expect(printed).toMatchObject({ connected: true, account: ACCOUNT, server: { name: 'Gmail', kind: 'gmail', auth: 'oauth2' } });
    expect(child.stdout() + child.stderr()).not.toContain('cli-secret-42');

    const asked = o.authorizeRequests[0]!;
    expect(asked.redirectUri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    const [grant] = query<{ refresh_token: string; client_secret: string }>(dir, 'select refresh_token, client_secret from oauth_grants');
    expect(grant!.refresh_token).toMatch(/^v1:/);
    expect(grant!.client_secret).not.toContain('cli-secret-42');

    await ok(dir, ['send', '--from', ACCOUNT, '--to', 'friend@example.org', '--subject', 'From the CLI', '--text', 'Hi'], { env });
    const worker = await cli(dir, ['worker', '--exit-when-idle'], { env, timeoutMs: 30_000 });
    expect(worker.code, worker.stderr).toBe(0);
    expect(s.messages).toHaveLength(1);
    expect(s.authAttempts).toEqual([{ method: 'XOAUTH2', username: ACCOUNT, accessToken: o.issued[0] }]);
  });

  it('reconnects the server by name with the stored client, and reports a refusal with a non-zero exit', async () => {
    const { dir, env, o, s } = await setUp();
    const flags = ['--account', ACCOUNT, '--client-id', 'cli-client', '--client-secret-env', 'GMAIL_CLIENT_SECRET', '--host', '127.0.0.1', '--port', String(s.port), '--security', 'none'];
    const first = await connect(dir, env, flags);
    expect((await within(first.child.exited, 30_000, 'first connect')).code).toBe(0);

    o.denyNext();
    const denied = await connect(dir, env, []);
    expect(denied.page.status).toBe(400);
    const deniedExit = await within(denied.child.exited, 30_000, 'denied connect');
    expect(deniedExit.code).toBe(1);
    expect(denied.child.stderr()).toMatch(/error: server Gmail is not connected: Gmail answered access_denied/);

    const again = await connect(dir, env, []);
    expect((await within(again.child.exited, 30_000, 'reconnect')).code, again.child.stderr()).toBe(0);
    expect(query(dir, 'select id from servers')).toHaveLength(1);
    expect(o.tokenRequests.filter((r) => r.grantType === 'authorization_code').every((r) => r.params.client_secret === 'cli-secret-42')).toBe(true);
  });

  it('needs the client id the first time, naming the flag', async () => {
    const { dir, env } = await setUp();
    const result = await cli(dir, ['server', 'connect', 'gmail', '--name', 'Gmail', '--account', ACCOUNT], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: --client-id: is required/);
  });
});
