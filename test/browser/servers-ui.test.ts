/**
 * Outgoing servers in Chromium against `postroom serve`: a fresh install offers built-in delivery
 * and the form adds a direct server (a bad source address answered beside its field); a pause,
 * throttled destinations and a quota written to the database show in the list and on the
 * server's page; and a Gmail server connects its account through a local fake OAuth server,
 * back to /servers?connected=NAME.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { openStore, type Store } from '../../src/store/index.js';
import { startFakeOAuth, type FakeOAuthServer } from '../helpers/fake-oauth-server.js';
import { browserAvailable, launchBrowser, logIn, newContext, screenshot, settled, startPostroom, type RunningPostroom, type Width } from './browser-harness.js';

const DAY_MS = 86_400_000;

describe.skipIf(!browserAvailable())('outgoing servers in Chromium', () => {
  let postroom: RunningPostroom;
  let browser: Browser;
  let oauth: FakeOAuthServer;
  let store: Store;
  let admin: { email: string; password: string; key: string };
  const contexts: BrowserContext[] = [];
  const crashes: string[] = [];

  beforeAll(async () => {
    oauth = await startFakeOAuth({ clientId: 'web-client', clientSecret: 'web-secret-7d1' });
    postroom = await startPostroom({ POSTROOM_GMAIL_AUTHORIZE_URL: oauth.authorizeUrl, POSTROOM_GMAIL_TOKEN_URL: oauth.tokenUrl });
    store = openStore({ dataDir: postroom.database.dataDir });
    browser = await launchBrowser();
    admin = await postroom.addUser('ops@example.com', 'admin');
  });
  afterEach(() => {
    expect(crashes, 'errors thrown in the page').toEqual([]);
  });
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await store?.close();
    await postroom?.stop();
    await oauth?.close();
  });

  async function signedIn(width: Width = 'desktop'): Promise<Page> {
    const context = await newContext(browser, width);
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (error) => crashes.push(`${page.url()}: ${error.message}`));
    await logIn(page, postroom.origin, admin.email, admin.password);
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    return page;
  }

  async function visit(page: Page, path: string): Promise<void> {
    await page.goto(`${postroom.origin}${path}`);
    await settled(page);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(overflow, `${path} is wider than the window`).toBeLessThanOrEqual(page.viewportSize()!.width);
  }

  const row = (page: Page, name: string) => page.locator('tr.server-row', { has: page.getByRole('link', { name, exact: true }) });
  const fieldOf = (page: Page, label: string) => page.locator('.field', { has: page.getByLabel(label, { exact: true }) });

  it('offers built-in delivery on a fresh install, and adds a direct server through the form', async () => {
    const page = await signedIn();
    await visit(page, '/servers');
    await screenshot(page, 'servers-sandbox-only');
    await page.getByRole('link', { name: 'Send for real with built-in delivery' }).click();
    await page.getByRole('heading', { name: 'Add server' }).waitFor();
    expect(await page.getByLabel('Kind').inputValue()).toBe('direct');
    expect(await page.getByLabel('MX port').getAttribute('placeholder')).toBe('25');
    expect(await page.getByLabel('Host').count()).toBe(0);

    await page.getByLabel('Name', { exact: true }).fill('Direct');
    await page.getByLabel('EHLO name').fill('mail.example.com');
    await page.getByLabel('Source addresses').fill('127.0.0.1, not-an-ip');
    await page.getByRole('button', { name: 'Save' }).click();
    const error = fieldOf(page, 'Source addresses').locator('.field-error');
    await error.waitFor();
    expect(await error.textContent()).toBe('not-an-ip must be an IPv4 or IPv6 address');
    await screenshot(page, 'server-new-direct-error');

    await page.getByLabel('Source addresses').fill('127.0.0.1');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/\/servers\/srv_/);
    await page.getByRole('heading', { name: 'Direct' }).waitFor();
    await page.getByText('No destination is paused or slowed down.').waitFor();
    await visit(page, '/servers');
    expect(await row(page, 'Direct').locator('.server-kind-line').textContent()).toBe('Built-in delivery · MX port 25 · from 127.0.0.1');
    expect(await row(page, 'Direct').locator('.badge').first().textContent()).toBe('active');
    expect(await page.getByRole('link', { name: 'Send for real with built-in delivery' }).count()).toBe(0);
    const saved = await postroom.api<{ servers: Array<{ name: string; kind: string; port: number; ehloName: string; sourceAddresses: string[] }> }>(admin.key, 'GET', '/servers');
    expect(saved.json.servers.find((s) => s.name === 'Direct')).toMatchObject({ kind: 'direct', port: 25, ehloName: 'mail.example.com', sourceAddresses: ['127.0.0.1'] });
  });

  it('shows a pause in the list and on the page, with its throttled destinations and the quota used', async () => {
    const created = await postroom.api<{ id: string }>(admin.key, 'POST', '/servers', { name: 'MX out', kind: 'direct', priority: 5, perDay: 2000, perHour: 500 });
    expect(created.status).toBe(201);
    const id = created.json.id;
    const now = Date.now();
    const answer = '421 4.7.0 Try again later, closing connection';
    await store.db.updateTable('servers').set({ paused_until: now + 3_600_000, pause_reason: answer, pause_count: 1 }).where('id', '=', id).execute();
    const throttle = { server_id: id, pause_count: 0, throttle_level: 0, throttle_until: null, throttle_reason: null, throttle_rate: null, throttle_period: null, paused_until: null, pause_reason: null, updated_at: now };
    await store.db
      .insertInto('destination_throttles')
      .values([
        { ...throttle, destination: 'gmail.com', paused_until: now + 1_800_000, pause_reason: '421 4.7.28 Unusual rate of unsolicited mail', pause_count: 1 },
        { ...throttle, destination: 'outlook.com', throttle_level: 1, throttle_until: now + 600_000, throttle_rate: 30, throttle_period: 600_000, throttle_reason: '451 4.7.500 Server busy' },
      ])
      .execute();
    await store.db.insertInto('rate_windows').values({ key: `${id}:day`, window_start: Math.floor(now / DAY_MS) * DAY_MS, used: 350 }).execute();

    for (const width of ['desktop', 'phone'] as const) {
      const page = await signedIn(width);
      await visit(page, '/servers');
      const listed = row(page, 'MX out');
      expect(await listed.locator('.badge').first().textContent()).toBe('paused');
      expect(await listed.locator('.server-state-text:visible').textContent()).toMatch(/^paused until \d{4}-\d\d-\d\d \d\d:\d\d UTC because: 421 4\.7\.0 Try again later/);
      await screenshot(page, 'servers-paused');

      await listed.getByRole('link', { name: 'MX out' }).click();
      await page.getByRole('heading', { name: 'MX out' }).waitFor();
      await settled(page);
      const status = page.getByRole('region', { name: 'Status' });
      expect(await status.locator('.server-status-text').textContent()).toMatch(/^paused until .* because: 421 4\.7\.0 Try again later/);
      expect(await status.getByRole('list', { name: 'Quotas' }).textContent()).toMatch(/used 0 of 500 this hour, resets .*used 350 of 2,000 today, resets/);
      const gmail = status.locator('tr[data-destination="gmail.com"]');
      expect(await gmail.locator('.badge').textContent()).toBe('paused');
      expect(await gmail.textContent()).toContain('421 4.7.28 Unusual rate of unsolicited mail');
      const outlook = status.locator('tr[data-destination="outlook.com"]');
      expect(await outlook.locator('.badge').textContent()).toBe('slowed down');
      expect(await outlook.textContent()).toMatch(/at most 30\/min.*451 4\.7\.500 Server busy/);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(overflow).toBeLessThanOrEqual(page.viewportSize()!.width);
      await screenshot(page, 'server-paused');
    }
  });

  it('adds a Gmail server with OAuth, connects its account through the provider, and comes back connected', async () => {
    const page = await signedIn();
    await visit(page, '/servers/new');
    await page.getByLabel('Kind').selectOption('microsoft');
    await page.getByLabel('Account address').fill('me@outlook.test');
    expect(await page.getByLabel('From filter').inputValue()).toBe('me@outlook.test');
    expect(await page.getByLabel('From filter').getAttribute('readonly')).not.toBeNull();
    // Each provider's own sending limits fill the quotas, and follow the kind while left as they are.
    expect([await page.getByLabel('Per minute').inputValue(), await page.getByLabel('Per day').inputValue()]).toEqual(['30', '10000']);
    await page.getByLabel('Kind').selectOption('gmail');
    expect([await page.getByLabel('Per minute').inputValue(), await page.getByLabel('Per day').inputValue()]).toEqual(['', '2000']);
    await page.getByLabel('Name', { exact: true }).fill('Gmail');
    await page.getByLabel('Account address').fill('me@gmail.test');
    expect(await page.getByLabel('Sign-in method').inputValue()).toBe('oauth2');
    await page.getByLabel('Sign-in method').selectOption('password');
    await page.getByLabel('App password').waitFor();
    await page.getByLabel('Sign-in method').selectOption('oauth2');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/\/servers\/srv_/);
    await page.getByRole('heading', { name: 'Gmail' }).waitFor();
    const state = page.locator('.server-oauth-state');
    expect(await state.getAttribute('data-oauth')).toBe('not-connected');
    await screenshot(page, 'server-gmail-connect');

    // The first connect needs the client id: the API says so beside its field.
    await page.getByRole('button', { name: 'Connect account' }).click();
    await fieldOf(page, 'Client ID').locator('.field-error').filter({ hasText: /is required/ }).waitFor();
    await page.getByLabel('Client ID', { exact: true }).fill('web-client');
    await page.getByLabel('Client secret', { exact: true }).fill('web-secret-7d1');
    await page.getByRole('button', { name: 'Connect account' }).click();
    await page.waitForURL(`${postroom.origin}/servers?connected=Gmail`);
    expect(oauth.authorizeRequests.at(-1)).toMatchObject({ clientId: 'web-client', redirectUri: `${postroom.origin}/api/v1/oauth/callback`, codeChallengeMethod: 'S256' });
    const banner = page.locator('.servers-oauth-outcome');
    await banner.filter({ hasText: 'Server Gmail is connected' }).waitFor();
    await settled(page);
    expect(await row(page, 'Gmail').locator('.server-kind-line').textContent()).toBe('Gmail · me@gmail.test');
    await screenshot(page, 'servers-connected');
    await page.getByRole('button', { name: 'Dismiss' }).click();
    await banner.waitFor({ state: 'detached' });
    expect(new URL(page.url()).search).toBe('');

    await row(page, 'Gmail').getByRole('link', { name: 'Gmail' }).click();
    await page.getByRole('heading', { name: 'Gmail' }).waitFor();
    await settled(page);
    expect(await state.getAttribute('data-oauth')).toBe('connected');
    await page.getByRole('button', { name: 'Reconnect' }).waitFor();

    // A denied sign-in comes back with the reason.
    oauth.denyNext();
    await page.getByRole('button', { name: 'Reconnect' }).click();
    await page.waitForURL(/\/servers\?oauth_error=/);
    await page.locator('.servers-oauth-outcome.note-error').filter({ hasText: 'Server Gmail could not be connected' }).waitFor();
    await screenshot(page, 'servers-oauth-error');
  });
});
