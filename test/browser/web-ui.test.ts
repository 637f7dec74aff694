/**
 * The web UI in Debian's Chromium against a real `postroom serve` (workers included) and real
 * SMTP servers on 127.0.0.1: first-run login, a server created in the form with a green and then
 * a red Test Connection, a message turning "sent" live, a failed message sent again with "Send
 * now", a cancelled one, an attachment downloaded from the detail page, and a second sender who
 * cannot open the first one's message.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startSink, type Sink } from '../helpers/smtp-sink.js';
import { browserAvailable, launchBrowser, logIn, newContext, submitLogin, screenshot, settled, startPostroom, type RunningPostroom } from './browser-harness.js';

describe.skipIf(!browserAvailable())('web UI in Chromium', () => {
  let postroom: RunningPostroom;
  let browser: Browser;
  let admin: { email: string; password: string; key: string };
  const contexts: BrowserContext[] = [];
  const sinks: Sink[] = [];

  beforeAll(async () => {
    postroom = await startPostroom();
    browser = await launchBrowser();
    admin = await postroom.addUser('ops@example.com', 'admin');
  });
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await postroom?.stop();
    for (const sink of sinks) await sink.close().catch(() => undefined);
  });

  async function signedIn(user: { email: string; password: string }, width: 'desktop' | 'phone' = 'desktop'): Promise<Page> {
    const context = await newContext(browser, width);
    contexts.push(context);
    const page = await context.newPage();
    await logIn(page, postroom.origin, user.email, user.password);
    await page.getByRole('navigation', { name: 'Main' }).waitFor({ state: 'attached' });
    return page;
  }

  async function send(key: string, body: Record<string, unknown>): Promise<string> {
    const answer = await postroom.api<{ id: string }>(key, 'POST', '/messages', { from: 'ana@example.com', text: 'Hello', ...body });
    expect(answer.status, JSON.stringify(answer.json)).toBe(202);
    return answer.json.id;
  }

  async function addServer(name: string, sink: Sink, fromFilter: string): Promise<void> {
    const answer = await postroom.api(admin.key, 'POST', '/servers', { name, host: '127.0.0.1', port: sink.port, security: 'none', auth: 'none', fromFilter });
    expect(answer.status, JSON.stringify(answer.json)).toBe(201);
  }

  const row = (page: Page, id: string) => page.locator(`tr[data-message-id="${id}"]`);
  const badge = (page: Page, id: string, status: string) => row(page, id).locator('.badge', { hasText: status });

  it('logs in with the one-time password, asks for a new one, then logs out and in with it', async () => {
    const context = await newContext(browser);
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(postroom.origin);
    await screenshot(page, 'login');
    await logIn(page, postroom.origin, postroom.adminEmail, postroom.oneTimePassword);
    await page.getByRole('heading', { name: 'Choose your password' }).waitFor();
    await screenshot(page, 'first-run');
    await page.getByLabel('One-time password').fill(postroom.oneTimePassword);
    await page.getByLabel('New password', { exact: true }).fill('short');
    await page.getByLabel('New password again').fill('short');
    await page.getByRole('button', { name: 'Set password and continue' }).click();
    await page.getByText('must be at least 12 characters').waitFor();

    const chosen = 'a new admin password';
    await page.getByLabel('New password', { exact: true }).fill(chosen);
    await page.getByLabel('New password again').fill(chosen);
    await page.getByRole('button', { name: 'Set password and continue' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    await submitLogin(page, postroom.origin, postroom.adminEmail, 'a wrong password');
    await page.getByText('wrong email or password').waitFor();
    await logIn(page, postroom.origin, postroom.adminEmail, chosen);
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  });

  it('creates a server pointing at a local SMTP server: Test Connection is green, then red with the refused step once it stops', async () => {
    const sink = await startSink();
    sinks.push(sink);
    const page = await signedIn(admin);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Servers' }).click();
    await page.getByRole('link', { name: 'Add server' }).or(page.getByRole('button', { name: 'Add server' })).first().click();
    // The form opens on built-in delivery; an SMTP relay is chosen.
    await page.getByLabel('Kind').selectOption('smtp');
    await page.getByLabel('Name', { exact: true }).fill('Local relay');
    await page.getByLabel('Priority').fill('20');
    await page.getByLabel('From filter').fill('relay.example.com');
    await page.getByLabel('Host').fill('127.0.0.1');
    await page.getByLabel('Port').fill(String(sink.port));
    await page.getByLabel('Security').selectOption('none');
    await page.getByLabel('Send no more than N messages at a time').fill('4');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/\/servers\/srv_/);
    await screenshot(page, 'server-edit');

    await page.getByRole('button', { name: 'Test Connection' }).click();
    const result = page.getByRole('status').filter({ hasText: /Connection OK|Failed at/ });
    await result.filter({ hasText: 'Connection OK' }).waitFor();

    await sink.close();
    await page.getByRole('button', { name: 'Test Connection' }).click();
    await result.filter({ hasText: /Failed at connect/ }).waitFor();
    expect(await result.textContent()).toMatch(/ECONNREFUSED|refused/i);

    const saved = await postroom.api<{ servers: Array<{ name: string; port: number; maxConcurrent: number | null; priority: number }> }>(admin.key, 'GET', '/servers');
    expect(saved.json.servers.find((s) => s.name === 'Local relay')).toMatchObject({ port: sink.port, maxConcurrent: 4, priority: 20 });
  });

  it('shows a message sent through the API turn "sent" in the queue without reloading', async () => {
    const page = await signedIn(admin);
    await page.getByRole('link', { name: 'Emails' }).click();
    await page.getByRole('heading', { name: 'Emails' }).waitFor();
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
    const id = await send(admin.key, { to: ['live@example.org'], subject: 'Watch me go' });
    await badge(page, id, 'sent').waitFor();
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
  });

  it('shows a failed message in red; "Send now" sends it; "Cancel" cancels a deferred one', async () => {
    let refusals = 0;
    const flaky = await startSink({ script: { rcpt: (to) => (to.startsWith('retry-me') && refusals++ === 0 ? { code: 554, text: '5.7.1 message refused by policy' } : undefined) } });
    const busy = await startSink({ script: { rcpt: () => ({ code: 450, text: '4.2.1 mailbox busy' }) } });
    sinks.push(flaky, busy);
    await addServer('Flaky', flaky, 'flaky.example.com');
    await addServer('Busy', busy, 'busy.example.com');
    const failed = await send(admin.key, { from: 'ana@flaky.example.com', to: ['retry-me@example.org'], subject: 'Rejected once' });
    const deferred = await send(admin.key, { from: 'ana@busy.example.com', to: ['later@example.org'], subject: 'Stuck behind a busy server' });

    const page = await signedIn(admin);
    await page.goto(`${postroom.origin}/emails`);
    await badge(page, failed, 'failed').waitFor();
    expect(await row(page, failed).getAttribute('class')).toMatch(/row-failed/);
    expect(await row(page, failed).evaluate((tr) => getComputedStyle(tr).backgroundColor)).not.toBe('rgba(0, 0, 0, 0)');
    await badge(page, deferred, 'deferred').waitFor();
    await row(page, failed).getByRole('button', { name: 'Retry options' }).click();
    await screenshot(page, 'emails-retry-menu');
    await page.getByRole('menuitem', { name: 'Send now' }).click();
    await badge(page, failed, 'sent').waitFor();
    expect(flaky.messages.map((m) => m.to)).toContainEqual(['retry-me@example.org']);

    await row(page, deferred).getByRole('button', { name: 'Retry options' }).click();
    await page.getByRole('menuitem', { name: 'Cancel' }).click();
    await badge(page, deferred, 'cancelled').waitFor();
    const after = await postroom.api<{ status: string }>(admin.key, 'GET', `/messages/${deferred}`);
    expect(after.json.status).toBe('cancelled');
  });

  it('opens a message: its HTML in a sandboxed frame, its recipients and events, and an attachment to download', async () => {
    const report = Buffer.from('id,total\n1001,42.50\n');
    const id = await send(admin.key, {
      to: ['reader@example.org'],
      subject: 'Monthly report',
      html: '<h1>Report</h1><p>Totals are <b>attached</b>.</p><img src="https://images.example.net/pixel.png" alt="remote"><script>parent.document.title = "owned"</script>',
      attachments: [{ filename: 'totals.csv', contentType: 'text/csv', content: report.toString('base64') }],
    });
    const page = await signedIn(admin);
    await page.goto(`${postroom.origin}/emails`);
    await badge(page, id, 'sent').waitFor();
    await row(page, id).getByRole('link', { name: 'Monthly report' }).click();
    await page.getByRole('heading', { name: 'Monthly report' }).waitFor();

    const frame = page.frameLocator('iframe[title="Message HTML"]');
    await frame.getByText('Totals are').waitFor();
    const sandbox = await page.locator('iframe[title="Message HTML"]').getAttribute('sandbox');
    expect(sandbox).not.toBeNull();
    expect(sandbox).not.toMatch(/allow-scripts/);
    expect(await page.title()).not.toBe('owned');
    await page.getByText('reader@example.org').first().waitFor();
    await page.getByText('kept in the sandbox').first().waitFor();
    await screenshot(page, 'email-detail');

    const attachments = page.getByRole('tab', { name: /Attachments/ });
    if (await attachments.count()) await attachments.click();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'totals.csv' }).click()]);
    expect(download.suggestedFilename()).toBe('totals.csv');
    expect(readFileSync(await download.path())).toEqual(report);
  });

  it('does not let a second sender open the first one\'s message: not in their list, and a not-found page', async () => {
    const first = await postroom.addUser('first@example.com', 'sender');
    const second = await postroom.addUser('second@example.com', 'sender');
    const id = await send(first.key, { to: ['private@example.org'], subject: 'For the first sender only', html: '<p>secret body</p>' });

    const mine = await signedIn(first);
    await mine.goto(`${postroom.origin}/emails/${id}`);
    await mine.getByRole('heading', { name: 'For the first sender only' }).waitFor();

    const theirs = await signedIn(second);
    await theirs.goto(`${postroom.origin}/emails`);
    await theirs.getByRole('heading', { name: 'Emails' }).waitFor();
    await settled(theirs);
    await theirs.getByText('For the first sender only').or(theirs.locator('tbody tr, .state-empty')).first().waitFor();
    expect(await theirs.getByText('For the first sender only').count()).toBe(0);
    await theirs.goto(`${postroom.origin}/emails/${id}`);
    await theirs.getByRole('heading', { name: 'Not found' }).waitFor();
    expect(await theirs.getByText('secret body').count()).toBe(0);
    expect(await theirs.locator('iframe').count()).toBe(0);
    await screenshot(theirs, 'not-found');
  });
});
