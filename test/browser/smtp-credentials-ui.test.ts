/**
 * SMTP relay logins in Chromium against `postroom serve`: an admin creates one from the form (for
 * a sender, bulk lane, through a server), sees the username and password once beside the relay's
 * settings, logs in to the real relay with them, sees the login listed without its password, and
 * revokes it, after which the relay refuses it. A sender at phone width sees only their own.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import nodemailer from 'nodemailer';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { browserAvailable, launchBrowser, logIn, newContext, screenshot, settled, startPostroom, type RunningPostroom, type Width } from './browser-harness.js';

type User = { email: string; password: string; key: string };

describe.skipIf(!browserAvailable())('SMTP relay logins in Chromium', () => {
  let postroom: RunningPostroom;
  let browser: Browser;
  let admin: User;
  let sender: User;
  let relayPort = 0;
  const contexts: BrowserContext[] = [];
  const crashes: string[] = [];

  beforeAll(async () => {
    postroom = await startPostroom();
    browser = await launchBrowser();
    admin = await postroom.addUser('ops@example.com', 'admin');
    sender = await postroom.addUser('sam@example.com', 'sender');
    await postroom.api(admin.key, 'POST', '/servers', { name: 'Office relay', host: '127.0.0.1', port: 9, security: 'none' });
    relayPort = Number(/SMTP relay for applications: 127\.0\.0\.1:(\d+)/.exec(postroom.proc.stdout())?.[1]);
    expect(relayPort, postroom.proc.stdout()).toBeGreaterThan(0);
  });
  afterEach(() => {
    expect(crashes, 'errors thrown in the page').toEqual([]);
  });
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await postroom?.stop();
  });

  async function signedIn(user: User, width: Width = 'desktop'): Promise<Page> {
    const context = await newContext(browser, width);
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (error) => crashes.push(`${page.url()}: ${error.message}`));
    // Revoking asks first.
    page.on('dialog', (dialog) => void dialog.accept());
    await logIn(page, postroom.origin, user.email, user.password);
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await page.goto(`${postroom.origin}/users`);
    await settled(page);
    return page;
  }

  /** Whether the relay takes this username and password (connect and AUTH, nothing sent). */
  async function relayAccepts(username: string, password: string): Promise<boolean> {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: relayPort, secure: false, auth: { user: username, pass: password }, connectionTimeout: 5_000 });
    try {
      return await transport.verify();
    } catch (error) {
      if ((error as { responseCode?: number }).responseCode === 535) return false;
      throw error;
    } finally {
      transport.close();
    }
  }

  const noOverflow = async (page: Page) => expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(page.viewportSize()!.width);

  it('creates a login, shows its password once with the relay settings, lists it and revokes it', async () => {
    const page = await signedIn(admin);
    const card = page.getByTestId('smtp-credentials');
    await card.getByText('No SMTP logins yet').waitFor();

    const form = card.getByTestId('smtp-credential-form');
    await form.getByLabel('Name').fill('ERP');
    await form.getByLabel('May send as').fill('not a domain!');
    await form.getByRole('button', { name: 'Create SMTP login' }).click();
    const fromError = form.locator('.field', { has: page.getByLabel('May send as') }).locator('.field-error');
    await fromError.waitFor();
    expect(await fromError.textContent()).toMatch(/"not a domain!" is neither a domain nor an address/);
    await screenshot(page, 'smtp-credentials-error');

    await form.getByLabel('May send as').fill('billing@example.com, example.org');
    await form.getByLabel('Lane').selectOption('bulk');
    await form.getByLabel('Server').selectOption({ label: 'Office relay' });
    await form.getByLabel('Owner').selectOption({ label: 'sam@example.com' });
    await form.getByLabel('Track clicks').check();
    await form.getByRole('button', { name: 'Create SMTP login' }).click();

    const panel = card.getByTestId('new-smtp-credential');
    await panel.waitFor();
    const username = (await panel.getByTestId('new-smtp-credential-username').textContent())!;
    const password = (await panel.getByTestId('new-smtp-credential-password').textContent())!;
    expect(username).toMatch(/^smtp_[a-z0-9]+$/);
    expect(password).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(await panel.textContent()).toMatch(/shown once: copy it now/);
    expect(await panel.textContent()).toContain('for sam@example.com');
    const settings = panel.getByTestId('smtp-relay-settings');
    expect(await settings.getByTestId('smtp-relay-host').textContent()).toBe('127.0.0.1');
    expect(await settings.getByTestId('smtp-relay-port').textContent()).toBe('2587');
    expect(await settings.getByTestId('smtp-relay-security').textContent()).toBe('none');
    expect(await settings.textContent()).toMatch(/PLAIN or LOGIN/);
    expect(await form.getByLabel('Name').inputValue()).toBe('');

    const row = card.locator(`tr[data-username="${username}"]`);
    await row.waitFor();
    expect(await row.textContent()).toMatch(/ERP.*billing@example\.com.*example\.org.*bulk.*tracks clicks.*Office relay.*never.*active/);
    await noOverflow(page);
    await screenshot(page, 'smtp-credentials-created');

    // The password the page showed logs in to the real relay.
    expect(await relayAccepts(username, password)).toBe(true);

    await panel.getByRole('button', { name: 'I have copied it' }).click();
    await panel.waitFor({ state: 'detached' });
    await page.reload();
    await settled(page);
    expect(await page.locator('body').textContent()).not.toContain(password);
    expect(await row.getByTestId('smtp-credential-status').textContent()).toBe('active');

    await row.getByTestId('smtp-credential-revoke').click();
    await row.getByTestId('smtp-credential-status').getByText('revoked').waitFor();
    expect(await row.getByTestId('smtp-credential-revoke').count()).toBe(0);
    expect(await row.getByTestId('smtp-credential-status').getAttribute('title')).toMatch(/^Revoked /);
    await page.getByText('SMTP login revoked').first().waitFor();
    await screenshot(page, 'smtp-credentials-revoked');
    expect(await relayAccepts(username, password)).toBe(false);

    const listed = await postroom.api<{ smtpCredentials: Array<{ username: string; userId: string; revokedAt: string | null }> }>(sender.key, 'GET', '/smtp-credentials');
    expect(listed.json.smtpCredentials).toEqual([expect.objectContaining({ username, revokedAt: expect.any(String) })]);
  });

  it("shows a sender at phone width only their own logins, and creates one with the defaults", async () => {
    const own = await postroom.api<{ username: string }>(sender.key, 'POST', '/smtp-credentials', { name: 'Shop' });
    const notOwn = await postroom.api<{ username: string }>(admin.key, 'POST', '/smtp-credentials', { name: 'Ops tool' });
    const page = await signedIn(sender, 'phone');
    const card = page.getByTestId('smtp-credentials');
    await card.locator(`tr[data-username="${own.json.username}"]`).waitFor();
    expect(await card.locator(`tr[data-username="${notOwn.json.username}"]`).count()).toBe(0);
    expect(await card.getByLabel('Owner').count()).toBe(0);
    expect(await card.getByLabel('Server').count()).toBe(0);

    await card.getByRole('button', { name: 'Create SMTP login' }).click();
    const panel = card.getByTestId('new-smtp-credential');
    await panel.waitFor();
    expect(await panel.textContent()).toMatch(/May send as example\.com; transactional lane\./);
    await card.locator(`tr[data-username="${await panel.getByTestId('new-smtp-credential-username').textContent()}"]`).waitFor();
    await noOverflow(page);
    await screenshot(page, 'smtp-credentials-sender');
  });
});
