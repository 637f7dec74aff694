/**
 * Sending domains in Chromium against `postroom serve` with its DNS pointed at a real local DNS
 * server: a domain added in the form shows the records to publish; before they are published the
 * check is red with the reason, after, green; a From at a p=reject domain is warned about; and the
 * pre-send check scores a template.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.js';
import { browserAvailable, launchBrowser, logIn, newContext, screenshot, settled, startPostroom, type RunningPostroom } from './browser-harness.js';

const IP = '192.0.2.10';

describe.skipIf(!browserAvailable())('sending domains in Chromium', () => {
  let postroom: RunningPostroom;
  let browser: Browser;
  let dns: DnsServer;
  let admin: { email: string; password: string; key: string };
  const contexts: BrowserContext[] = [];
  const crashes: string[] = [];

  beforeAll(async () => {
    dns = await startDnsServer({ '_dmarc.yahoo.example': [{ type: 'TXT', value: 'v=DMARC1; p=reject' }] });
    postroom = await startPostroom({ POSTROOM_DNS: dns.address });
    browser = await launchBrowser();
    admin = await postroom.addUser('ops@example.com', 'admin');
    await postroom.cli(['settings', 'set', 'sending_ips', IP]);
    await postroom.cli(['settings', 'set', 'domain_alias', 'postroom.example']);
    await postroom.cli(['settings', 'set', 'default_from', 'notifications']);
  });
  afterEach(() => {
    expect(crashes, 'errors thrown in the page').toEqual([]);
  });
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await postroom?.stop();
    await dns?.close();
  });

  async function signedIn(width: 'desktop' | 'phone' = 'desktop'): Promise<Page> {
    const context = await newContext(browser, width);
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (error) => crashes.push(`${page.url()}: ${error.message}`));
    await logIn(page, postroom.origin, admin.email, admin.password);
    await page.getByRole('navigation', { name: 'Main' }).waitFor({ state: 'attached' });
    return page;
  }

  it('adds a domain, shows its records, and checks them red then green', async () => {
    const page = await signedIn();
    await page.goto(`${postroom.origin}/domains`);
    await settled(page);
    await page.getByLabel('Domain', { exact: true }).fill('Shop.Example');
    await page.getByLabel('Selector (optional)').fill('pr1');
    await page.getByRole('button', { name: 'Add domain' }).click();
    await page.getByRole('heading', { name: 'shop.example' }).waitFor();
    await settled(page);
    const dkim = page.locator('.record[data-kind="dkim"]');
    await dkim.waitFor();
    expect(await dkim.locator('code').first().textContent()).toBe('pr1._domainkey.shop.example');
    const dkimValue = (await dkim.locator('.record-value').textContent())!;
    expect(dkimValue).toMatch(/^v=DKIM1; k=rsa; p=MII/);
    expect(await page.locator('.record[data-kind="spf"] .record-value').textContent()).toBe(`v=spf1 ip4:${IP} ~all`);
    await screenshot(page, 'domain-records');

    await page.getByRole('button', { name: 'Check DNS now' }).click();
    await page.getByTestId('domain-verdict').filter({ hasText: 'needs attention' }).waitFor();
    expect(await page.locator('.check-line[data-kind="dkim"]').textContent()).toMatch(/no DKIM key record at pr1\._domainkey\.shop\.example/);
    expect(await page.locator('.check-line.check-fail').count()).toBe(3);
    await screenshot(page, 'domain-check-red');

    dns.zone['pr1._domainkey.shop.example'] = [{ type: 'TXT', value: dkimValue }];
    dns.zone['shop.example'] = [{ type: 'TXT', value: `v=spf1 ip4:${IP} ~all` }];
    dns.zone['_dmarc.shop.example'] = [{ type: 'TXT', value: 'v=DMARC1; p=none; rua=mailto:dmarc@shop.example' }];
    await page.getByRole('button', { name: 'Check DNS now' }).click();
    await page.getByTestId('domain-verdict').filter({ hasText: 'is ready' }).waitFor();
    expect(await page.locator('.check-line.check-ok').count()).toBe(3);
    await screenshot(page, 'domain-check-green');

    await page.getByRole('link', { name: 'Domains' }).first().click();
    await page.locator('tr[data-domain="shop.example"]', { hasText: 'ready' }).waitFor();
    await screenshot(page, 'domains');
  });

  it('warns beside a From at a domain that publishes DMARC p=reject, and scores a template before sending', async () => {
    const template = await postroom.api<{ id: string }>(admin.key, 'POST', '/templates', { name: 'Offer', subject: 'FREE!!! Act now', source: '<p>Click here to claim your prize. <a href="http://bit.ly/x">http://example.com</a></p>' });
    expect(template.status).toBe(201);
    const page = await signedIn();
    await page.goto(`${postroom.origin}/campaigns/new`);
    await settled(page);
    await page.getByLabel('From', { exact: true }).fill('Jane <jane@yahoo.example>');
    await page.locator('.dmarc-warning').waitFor();
    expect(await page.locator('.dmarc-warning').textContent()).toMatch(/yahoo\.example publishes DMARC p=reject/);
    await page.getByLabel('From', { exact: true }).fill('News <news@shop.example>');
    await page.locator('.dmarc-warning').waitFor({ state: 'detached' });

    await page.goto(`${postroom.origin}/templates/${template.json.id}`);
    await settled(page);
    await page.getByLabel('Sent From').fill('News <news@shop.example>');
    await page.getByRole('button', { name: 'Run the check' }).click();
    await page.getByTestId('presend-score').waitFor();
    expect(await page.locator('.presend [data-check="dkim"]').getAttribute('class')).toContain('check-ok');
    expect(await page.locator('.presend [data-check="spam-phrases"]').getAttribute('class')).not.toContain('check-ok');
    expect(await page.locator('.presend [data-check="subject"]').getAttribute('class')).not.toContain('check-ok');
    await page.locator('.presend').scrollIntoViewIfNeeded();
    await screenshot(page, 'template-presend');
  });
});
