/**
 * Campaign pages in Debian's Chromium against a real `postroom serve` and a real SMTP server on
 * 127.0.0.1: a CSV import with a column mapped by hand and a live progress bar (the upload slowed
 * down so the bar is seen between 0 and 100), refused rows listed by line; the segment builder's
 * live count; a template saved with a Liquid error (reported with its line), previewed as a contact
 * and sent as a test; and a campaign made in the wizard — Content, Audience, Schedule, Review —
 * whose page shows its progress live, pauses, resumes, finishes, and sends its failed recipients
 * again with "Retry failed recipients only".
 */
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startSink, type Sink } from '../helpers/smtp-sink.js';
import { browserAvailable, launchBrowser, logIn, newContext, screenshot, settled, startPostroom, type RunningPostroom } from './browser-harness.js';

const IMPORT_ROWS = 20_000;
/** Lines (1 = the header) the import must refuse, and why. */
const BAD_LINES = new Map([
  [3, 'not-an-address'],
  [10, 'Mars/Olympus'],
]);
const VIP = 40;
const VIP_BAD = 3;

describe.skipIf(!browserAvailable())('campaign pages in Chromium', () => {
  let postroom: RunningPostroom;
  let browser: Browser;
  let sink: Sink;
  let admin: { email: string; password: string; key: string };
  let work: string;
  let importFile: string;
  /** The sink refuses the "bad" VIP addresses until a test lets them through. */
  let refuseBad = true;
  const contexts: BrowserContext[] = [];
  const crashes: string[] = [];

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'postroom-campaign-ui-'));
    postroom = await startPostroom();
    browser = await launchBrowser();
    admin = await postroom.addUser('marketing@example.com', 'admin');
    sink = await startSink({ dataDelayMs: 150, script: { rcpt: (to) => (refuseBad && to.startsWith('bad') ? { code: 554, text: '5.7.1 refused by policy' } : undefined) } });
    const server = await postroom.api(admin.key, 'POST', '/servers', { name: 'Campaign relay', host: '127.0.0.1', port: sink.port, security: 'none', maxConcurrent: 1 });
    expect(server.status, JSON.stringify(server.json)).toBe(201);

    // The file to import: a header the server cannot guess ("E-Mail Address"), two bad rows.
    const lines = ['E-Mail Address,Full Name,Country,Plan Tier,tz'];
    for (let n = 1; lines.length <= IMPORT_ROWS + BAD_LINES.size; n++) {
      const line = lines.length + 1;
      if (BAD_LINES.get(line) === 'not-an-address') lines.push(`not-an-address,Nobody,ES,free,`);
      else if (BAD_LINES.get(line) === 'Mars/Olympus') lines.push(`martian${n}@example.org,Marvin Martian,ES,free,Mars/Olympus`);
      else lines.push(`person${n}@example.org,Person ${n},${n % 4 === 0 ? 'ES' : 'FR'},${n % 2 ? 'pro' : 'free'},Europe/Madrid`);
    }
    importFile = path.join(work, 'subscribers.csv');
    writeFileSync(importFile, lines.join('\n') + '\n');

    const vip = ['email,name,country'];
    for (let n = 1; n <= VIP; n++) vip.push(`${n <= VIP_BAD ? 'bad' : 'vip'}${n}@example.net,Vip ${n},${n % 2 ? 'ES' : 'IT'}`);
    writeFileSync(path.join(work, 'vip.csv'), vip.join('\n') + '\n');
    await postroom.cli(['contacts', 'import', path.join(work, 'vip.csv'), '--list', 'VIP']);
    const template = await postroom.api(admin.key, 'POST', '/templates', { name: 'Monthly news', subject: 'News for {{ contact.first_name | default: "you" }}', source: '<h1>Hello {{ contact.first_name }}</h1><p>This month at Example.</p>' });
    expect(template.status, JSON.stringify(template.json)).toBe(201);
  });
  afterEach(() => {
    expect(crashes, 'errors thrown in the page').toEqual([]);
  });
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await postroom?.stop();
    await sink?.close();
    rmSync(work, { recursive: true, force: true });
  });

  async function signedIn(): Promise<Page> {
    const context = await newContext(browser);
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (error) => crashes.push(`${page.url()}: ${error.message}`));
    await logIn(page, postroom.origin, admin.email, admin.password);
    await page.getByRole('navigation', { name: 'Main' }).waitFor({ state: 'attached' });
    return page;
  }

  it('imports a CSV with a column mapped by hand, a live progress bar and the refused rows listed by line', async () => {
    const page = await signedIn();
    await page.goto(`${postroom.origin}/contacts`);
    await settled(page);
    await page.getByRole('button', { name: 'Import CSV' }).click();
    await page.getByLabel('CSV file').setInputFiles(importFile);

    // "E-Mail Address" is not a name the server knows: the form asks for the email column.
    await expect.poll(() => page.locator('.note-warn').textContent()).toContain('Choose the column that holds the email address');
    expect(await page.getByRole('button', { name: 'Import', exact: true }).isDisabled()).toBe(true);
    await page.getByLabel('Import column E-Mail Address as').selectOption('email');
    expect(await page.getByLabel('Import column Full Name as').inputValue()).toBe('name');
    expect(await page.getByLabel('Import column tz as').inputValue()).toBe('timeZone');
    await page.getByLabel('Field name for column Plan Tier').fill('plan');
    await page.getByLabel('Add the contacts to').selectOption('__new');
    await page.getByLabel("New list's name").fill('Newsletter');
    await screenshot(page, 'contacts-import-mapping');

    // Slow the upload down so the bar is seen moving.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 256 * 1024 });
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    const bar = page.getByRole('progressbar', { name: 'Import progress' });
    const seen = new Set<number>();
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const value = Number(await bar.getAttribute('aria-valuenow').catch(() => '0'));
      seen.add(value);
      if (value > 20 && value < 80 && !seen.has(-1)) {
        seen.add(-1);
        await screenshot(page, 'contacts-import-progress');
      }
      if ((await page.locator('.import-counts').textContent().catch(() => ''))?.startsWith('Done')) break;
      await page.waitForTimeout(100);
    }
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    const counts = (await page.locator('.import-counts').textContent()) ?? '';
    expect(counts).toMatch(/^Done: /);
    expect(counts).toContain(`${(IMPORT_ROWS).toLocaleString('en-US')} new`);
    expect(counts).toContain(`${BAD_LINES.size} refused`);
    expect(await bar.getAttribute('aria-valuenow')).toBe('100');
    expect([...seen].some((v) => v > 0 && v < 100), `progress seen: ${[...seen].join(', ')}`).toBe(true);

    const refused = page.locator('.import-errors tbody tr');
    expect(await refused.count()).toBe(BAD_LINES.size);
    expect(await refused.nth(0).textContent()).toMatch(/^3.*email/);
    expect(await refused.nth(1).textContent()).toMatch(/^10.*(time zone|timeZone)/i);
    await screenshot(page, 'contacts-import-done');

    // The contacts are there, on the new list, with the renamed field.
    await page.locator('.lists-card').getByRole('link', { name: 'Newsletter' }).click();
    await settled(page);
    expect(await page.locator('.lists-card li', { hasText: 'Newsletter' }).textContent()).toContain(IMPORT_ROWS.toLocaleString('en-US'));
    expect(await page.locator('.contacts-table tbody tr').count()).toBe(50);
    const contact = await postroom.api<{ fields: Record<string, string>; timeZone: string; name: string }>(admin.key, 'GET', '/contacts/person4@example.org');
    expect(contact.json).toMatchObject({ name: 'Person 4', timeZone: 'Europe/Madrid', fields: { country: 'ES', plan: 'free' } });
    await page.locator('.contacts-table').getByRole('link').first().click();
    await page.getByRole('heading', { name: /@example\.org$/ }).waitFor();
    await settled(page);
    await screenshot(page, 'contact-detail');
  });

  it('counts a segment live as it is built, then saves it', async () => {
    const page = await signedIn();
    await page.goto(`${postroom.origin}/segments`);
    await settled(page);
    const count = page.getByTestId('segment-count');
    // No conditions: every contact.
    await expect.poll(() => count.textContent()).toMatch(new RegExp(`^${(IMPORT_ROWS + VIP).toLocaleString('en-US')} contacts match`));
    await page.getByLabel('Name', { exact: true }).fill('Spain');
    await page.getByRole('button', { name: 'Add condition' }).click();
    await page.getByLabel('Condition 1 field').fill('country');
    await page.getByLabel('Condition 1 value').fill('ES');
    const spanishImported = IMPORT_ROWS / 4; // every fourth row of the file
    const spanishVip = Math.ceil(VIP / 2);
    await expect.poll(() => count.textContent()).toMatch(new RegExp(`^${(spanishImported + spanishVip).toLocaleString('en-US')} contacts match`));
    await page.getByRole('button', { name: 'Add condition' }).click();
    await page.getByLabel('Condition 2 kind').selectOption('list');
    await page.getByLabel('Condition 2 list').selectOption({ label: 'VIP' });
    await expect.poll(() => count.textContent()).toMatch(new RegExp(`^${spanishVip} contacts match`));
    await page.getByLabel('Condition 2 operator').selectOption('not_in');
    await expect.poll(() => count.textContent()).toMatch(new RegExp(`^${spanishImported.toLocaleString('en-US')} contacts match`));
    await screenshot(page, 'segment-builder');
    await page.getByRole('button', { name: 'Save segment' }).click();
    await page.locator('.segments-list').getByRole('link', { name: 'Spain' }).waitFor();
    expect(page.url()).toMatch(/segment=seg_/);
    const saved = await postroom.api<{ segments: Array<{ name: string; definition: { conditions: unknown[] } }> }>(admin.key, 'GET', '/segments');
    expect(saved.json.segments.find((s) => s.name === 'Spain')?.definition.conditions).toHaveLength(2);
  });

  it('reports a Liquid error with its line on save, previews the template as a contact and sends a test', async () => {
    const page = await signedIn();
    await page.goto(`${postroom.origin}/templates/new`);
    await settled(page);
    await page.getByLabel('Name', { exact: true }).fill('Welcome');
    await page.getByLabel('Subject', { exact: true }).fill('Welcome, {{ contact.first_name | default: "friend" }}');
    await page.getByLabel('HTML', { exact: true }).fill('<html>\n<body>\n<h1>Hi {{ contact.first_name }}</h1>\n<p>{% if contact.plan == "pro" %}Thanks for going pro.</p>\n</body>\n</html>');
    await page.getByRole('button', { name: 'Create template' }).click();
    const error = page.locator('#template-source-error');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/^line 4, column \d+: .*not closed/);
    await screenshot(page, 'template-error');

    await page.getByLabel('HTML', { exact: true }).fill('<html>\n<head><style>h1 { color: #2453c6; }</style></head>\n<body>\n<h1>Hi {{ contact.first_name }}</h1>\n<p>{% if contact.plan == "pro" %}Thanks for going pro.{% else %}Try pro.{% endif %}</p>\n</body>\n</html>');
    await page.getByRole('button', { name: 'Create template' }).click();
    await page.waitForURL(/\/templates\/tpl_/);
    await page.getByRole('heading', { name: 'Welcome' }).waitFor();

    await page.getByLabel('Preview as contact', { exact: true }).fill('person1@example.org');
    await page.getByRole('button', { name: 'Preview' }).click();
    await expect.poll(() => page.getByTestId('preview-subject').textContent()).toBe('Welcome, Person');
    const frame = page.frameLocator('iframe[title="Preview HTML"]');
    expect(await frame.locator('h1').textContent()).toBe('Hi Person');
    expect(await frame.locator('h1').getAttribute('style')).toContain('color');
    expect(await frame.locator('p').textContent()).toBe('Thanks for going pro.');
    await screenshot(page, 'template-editor');

    const before = sink.messages.length;
    await page.getByLabel('From', { exact: true }).fill('News <news@example.com>');
    await page.getByLabel('To', { exact: true }).fill('tester@example.net');
    await page.getByRole('button', { name: 'Send test' }).click();
    await page.getByRole('link', { name: 'See the test message' }).waitFor();
    await expect.poll(() => sink.messages.slice(before).find((m) => m.to.includes('tester@example.net'))?.subject ?? null, { timeout: 15_000 }).toBe('[Test] Welcome, Sample');
  });

  it('creates a campaign in the wizard and follows it live: pause, resume, finish, retry the failed', async () => {
    const page = await signedIn();
    await page.goto(`${postroom.origin}/campaigns/new`);
    await settled(page);
    // Content: Next refuses to go on without the required fields, naming them.
    await page.getByRole('button', { name: 'Next: Audience' }).click();
    expect(await page.locator('.field-error').allTextContents()).toEqual(expect.arrayContaining(['is required']));
    await page.getByLabel('Campaign name').fill('November news');
    await page.getByLabel('From', { exact: true }).fill('News <news@example.com>');
    await page.getByLabel('Template', { exact: true }).selectOption({ label: 'Monthly news' });
    await screenshot(page, 'campaign-wizard-content');
    await page.getByRole('button', { name: 'Next: Audience' }).click();

    // Audience: the live count follows the lists chosen.
    await page.getByRole('button', { name: 'Next: Schedule' }).click();
    await page.getByText('choose at least one list or a segment').waitFor();
    await page.getByLabel(`VIP (${VIP})`, { exact: true }).check();
    await expect.poll(() => page.getByTestId('audience-count').textContent()).toMatch(new RegExp(`^${VIP} contacts will receive it`));
    await page.getByLabel('Segment', { exact: true }).selectOption({ label: 'Spain' });
    await expect.poll(() => page.getByTestId('audience-count').textContent()).toMatch(/^0 contacts will receive it/);
    await page.getByLabel('Segment', { exact: true }).selectOption({ label: 'No segment' });
    await expect.poll(() => page.getByTestId('audience-count').textContent()).toMatch(new RegExp(`^${VIP} contacts`));
    await screenshot(page, 'campaign-wizard-audience');
    await page.getByRole('button', { name: 'Next: Schedule' }).click();

    // Schedule: now. Review: what will happen, then send.
    await page.getByLabel('Now', { exact: true }).check();
    await screenshot(page, 'campaign-wizard-schedule');
    await page.getByRole('button', { name: 'Next: Review' }).click();
    expect(await page.locator('dl.review').textContent()).toContain('Template "Monthly news"');
    await screenshot(page, 'campaign-wizard-review');
    await page.getByRole('button', { name: 'Send now' }).click();
    await page.waitForURL(/\/campaigns\/cmp_/);
    await page.getByRole('heading', { name: 'November news' }).waitFor();

    // Live: the sent count climbs without a reload.
    const sent = page.getByTestId('stat-sent');
    const seen = new Set<number>();
    await expect.poll(async () => {
      const n = Number((await sent.textContent())?.replace(/\D/g, ''));
      seen.add(n);
      return n;
    }, { timeout: 30_000, intervals: [100] }).toBeGreaterThanOrEqual(5);
    await screenshot(page, 'campaign-sending');
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    await page.locator('.page-subtitle .badge', { hasText: 'paused' }).waitFor();
    expect(Number((await page.getByTestId('stat-remaining').textContent())?.replace(/\D/g, ''))).toBeGreaterThan(0);
    await screenshot(page, 'campaign-paused');
    await page.getByRole('button', { name: 'Resume', exact: true }).click();
    await page.locator('.page-subtitle .badge', { hasText: 'finished' }).waitFor({ timeout: 60_000 });
    await page.locator('.toast', { hasText: 'Campaign finished' }).waitFor();
    expect([...seen].some((n) => n > 0 && n < VIP - VIP_BAD), `sent counts seen: ${[...seen].join(', ')}`).toBe(true);
    expect(await page.getByTestId('stat-sent').textContent()).toBe(String(VIP - VIP_BAD));
    expect(await page.getByTestId('stat-failed').textContent()).toBe(String(VIP_BAD));
    await page.locator('.campaign-recipients').getByRole('button', { name: 'Failed' }).click();
    await expect.poll(() => page.locator('.campaign-recipients tbody tr').count()).toBe(VIP_BAD);
    expect(await page.locator('.campaign-recipients tbody tr').first().textContent()).toContain('554 5.7.1 refused by policy');
    await screenshot(page, 'campaign-finished');

    // The CSV report has one line per recipient.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download CSV report' }).click()]);
    const report = readFileSync((await download.path())!, 'utf8').trim().split(/\r?\n/);
    expect(report).toHaveLength(VIP + 1);

    // Manage delivery → retry failed recipients only: the sink now takes them.
    refuseBad = false;
    const delivered = sink.messages.length;
    await page.getByText('Manage delivery').click();
    await page.getByRole('menuitem', { name: `Retry failed recipients only (${VIP_BAD})` }).click();
    await expect.poll(() => page.getByTestId('stat-failed').textContent(), { timeout: 30_000 }).toBe('0');
    await page.locator('.page-subtitle .badge', { hasText: 'finished' }).waitFor({ timeout: 30_000 });
    await expect.poll(() => page.getByTestId('stat-sent').textContent(), { timeout: 30_000 }).toBe(String(VIP));
    expect(sink.messages.slice(delivered).flatMap((m) => m.to).sort()).toEqual(Array.from({ length: VIP_BAD }, (_, i) => `bad${i + 1}@example.net`).sort());

    await page.getByRole('link', { name: 'Campaigns' }).first().click();
    await page.locator('.campaigns-table tr', { hasText: 'November news' }).waitFor();
    await screenshot(page, 'campaigns');
  });
});
