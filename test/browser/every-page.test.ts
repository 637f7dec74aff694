/**
 * Every page of the web UI, at 1280 px and at 390 px wide, with data on it, saved as screenshots
 * under artifacts/screenshots/ for people to look at. Each page must render its heading without
 * an error note and without anything wider than the window at 390 px.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startSink, type Sink } from '../helpers/smtp-sink.js';
import { browserAvailable, launchBrowser, logIn, newContext, screenshot, settled, startPostroom, WIDTHS, type RunningPostroom, type Width } from './browser-harness.js';

describe.skipIf(!browserAvailable())('every page at both widths', () => {
  let postroom: RunningPostroom;
  let browser: Browser;
  let sink: Sink;
  let admin: { email: string; password: string; key: string };
  let sender: { email: string; password: string; key: string };
  const ids: Record<string, string> = {};
  let serverId = '';
  let sandboxId = '';

  beforeAll(async () => {
    postroom = await startPostroom();
    browser = await launchBrowser();
    admin = await postroom.addUser('ops@example.com', 'admin');
    sender = await postroom.addUser('sam@example.com', 'sender');
    sink = await startSink({ script: { rcpt: (to) => (to.startsWith('unknown') ? { code: 550, text: '5.1.1 user unknown' } : undefined) } });
    const server = await postroom.api<{ id: string }>(admin.key, 'POST', '/servers', {
      name: 'Office relay',
      host: '127.0.0.1',
      port: sink.port,
      security: 'none',
      fromFilter: 'office.example.com',
      maxConcurrent: 5,
      perHour: 2000,
    });
    serverId = server.json.id;
    const send = async (key: string, body: Record<string, unknown>) =>
      (await postroom.api<{ id: string }>(key, 'POST', '/messages', { from: 'Ana <ana@example.com>', text: 'Hello', ...body })).json.id;
    ids.report = await send(admin.key, {
      to: ['Finance <finance@example.org>'],
      subject: 'Quarterly report',
      html: '<h1 style="font-family:sans-serif">Quarterly report</h1><p>Revenue is up <b>12%</b>. The details are attached.</p><p><img src="https://images.example.net/chart.png" alt="chart"></p>',
      attachments: [{ filename: 'report.csv', contentType: 'text/csv', content: Buffer.from('quarter,revenue\nQ3,1200\n').toString('base64') }],
      tags: ['reports'],
    });
    for (let n = 0; n < 6; n++) await send(admin.key, { to: [`customer${n}@example.org`], subject: `Your order #${1000 + n} has shipped` });
    ids.failed = await send(admin.key, { from: 'billing@office.example.com', to: ['unknown@example.org'], subject: 'Invoice 2026-11' });
    ids.relayed = await send(admin.key, { from: 'billing@office.example.com', to: ['known@example.org'], subject: 'Receipt 2026-11' });
    await send(sender.key, { to: ['friend@example.org'], subject: 'A message of the sender' });
    const deadline = Date.now() + 20_000;
    for (;;) {
      const inbox = await postroom.api<{ messages: Array<{ id: string; messageId: string }> }>(admin.key, 'GET', '/sandbox/messages');
      const failed = await postroom.api<{ status: string }>(admin.key, 'GET', `/messages/${ids.failed}`);
      sandboxId = inbox.json.messages.find((m) => m.messageId === ids.report)?.id ?? '';
      if ((sandboxId && failed.json.status === 'failed') || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(sandboxId).not.toBe('');

    // Contacts, a segment, a template and a finished campaign for the campaign pages.
    const work = mkdtempSync(path.join(tmpdir(), 'postroom-every-page-'));
    const csv = ['email,name,country,time_zone,plan'];
    for (let n = 1; n <= 30; n++) csv.push(`reader${n}@example.org,Reader ${n},${['ES', 'FR', 'DE'][n % 3]},${['Europe/Madrid', 'America/New_York', ''][n % 3]},${n % 2 ? 'pro' : 'free'}`);
    writeFileSync(path.join(work, 'readers.csv'), csv.join('\n') + '\n');
    await postroom.cli(['contacts', 'import', path.join(work, 'readers.csv'), '--list', 'Readers']);
    rmSync(work, { recursive: true, force: true });
    const segment = await postroom.api<{ id: string }>(admin.key, 'POST', '/segments', { name: 'Spanish readers', definition: { match: 'all', conditions: [{ field: 'country', op: 'eq', value: 'ES' }, { activity: 'opened', campaign: 'any', withinDays: 30, op: 'has_not' }] } });
    ids.segment = segment.json.id;
    const template = await postroom.api<{ id: string }>(admin.key, 'POST', '/templates', { name: 'Product update', subject: 'What is new, {{ contact.first_name }}', source: '<h1>Hello {{ contact.first_name }}</h1><p>Here is what changed this month.</p>' });
    ids.template = template.json.id;
    const campaign = await postroom.api<{ id: string }>(admin.key, 'POST', '/campaigns', { name: 'November product update', from: 'News <news@office.example.com>', template: 'Product update', lists: ['Readers'] });
    ids.campaign = campaign.json.id;
    await postroom.api(admin.key, 'POST', `/campaigns/${ids.campaign}/send`);
    const domain = await postroom.api<{ id: string }>(admin.key, 'POST', '/domains', { name: 'office.example.com', selector: 'pr1' });
    ids.domain = domain.json.id;
    const contact = await postroom.api<{ id: string }>(admin.key, 'GET', '/contacts/reader1@example.org');
    ids.contact = contact.json.id;
    for (const until = Date.now() + 20_000; Date.now() < until; await new Promise((r) => setTimeout(r, 100))) {
      if ((await postroom.api<{ status: string }>(admin.key, 'GET', `/campaigns/${ids.campaign}`)).json.status === 'finished') break;
    }
  });
  afterAll(async () => {
    await browser?.close();
    await postroom?.stop();
    await sink?.close();
  });

  async function visit(page: Page, path: string, name: string): Promise<void> {
    await page.goto(`${postroom.origin}${path}`);
    await settled(page);
    expect(await page.locator('.note-error[role="alert"]').count(), `${path}: ${await page.locator('.note-error[role="alert"]').allTextContents()}`).toBe(0);
    const width = page.viewportSize()!.width;
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(overflow, `${path} is wider than the window`).toBeLessThanOrEqual(width);
    await screenshot(page, name);
  }

  for (const width of Object.keys(WIDTHS) as Width[]) {
    it(`shows every page at ${WIDTHS[width].width} px`, async () => {
      const context = await newContext(browser, width);
      try {
        const page = await context.newPage();
        const crashes: string[] = [];
        page.on('pageerror', (error) => crashes.push(`${page.url()}: ${error.message}`));
        await logIn(page, postroom.origin, admin.email, admin.password);
        await settled(page);
        await visit(page, '/', 'dashboard');
        await visit(page, '/emails', 'emails');
        await visit(page, '/emails?status=failed', 'emails-failed');
        await visit(page, `/emails/${ids.report}`, 'email-detail');
        await visit(page, `/emails/${ids.failed}`, 'email-detail-failed');
        await visit(page, '/sandbox', 'sandbox');
        await visit(page, `/sandbox/${sandboxId}`, 'sandbox-message');
        await visit(page, '/servers', 'servers');
        await visit(page, '/servers/new', 'server-new');
        await visit(page, `/servers/${serverId}`, 'server-edit');
        await visit(page, '/settings', 'settings');
    await visit(page, '/suppressions', 'suppressions');
        await visit(page, '/users', 'users');
        await visit(page, '/contacts', 'contacts');
        await visit(page, '/contacts?import=1', 'contacts-import');
        await visit(page, `/contacts/${ids.contact}`, 'contact');
        await visit(page, '/segments', 'segments');
        await visit(page, `/segments?segment=${ids.segment}`, 'segment');
        await visit(page, '/templates', 'templates');
        await visit(page, '/templates/new', 'template-new');
        await visit(page, `/templates/${ids.template}`, 'template');
        await visit(page, '/campaigns', 'campaigns-list');
        await visit(page, '/campaigns/new', 'campaign-new');
        await visit(page, `/campaigns/${ids.campaign}`, 'campaign');
        await visit(page, '/domains', 'domains-list');
        await visit(page, `/domains/${ids.domain}`, 'domain');
        await visit(page, '/no/such/page', 'not-found');
        if (width === 'phone') {
          await page.goto(`${postroom.origin}/`);
          await settled(page);
          await page.getByRole('button', { name: 'Menu' }).click();
          await screenshot(page, 'menu-open');
        }
        // Going from page to page (not only loading each) must not throw in the browser either.
        await page.goto(`${postroom.origin}/emails`);
        await settled(page);
        await page.locator(`tr[data-message-id="${ids.report}"] a`).first().click();
        await page.getByRole('heading', { name: 'Quarterly report' }).waitFor();
        expect(crashes).toEqual([]);
      } finally {
        await context.close();
      }
      const senderContext = await newContext(browser, width);
      try {
        const page = await senderContext.newPage();
        await logIn(page, postroom.origin, sender.email, sender.password);
        await settled(page);
        await visit(page, '/', 'sender-dashboard');
        await visit(page, '/users', 'sender-api-keys');
        await visit(page, `/emails/${ids.report}`, 'sender-not-found');
        await page.getByRole('heading', { name: 'Not found' }).waitFor({ timeout: 30_000 });
      } finally {
        await senderContext.close();
      }
    });
  }
});
