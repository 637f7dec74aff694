/**
 * The feedback loop's pages in Debian's Chromium against a real `postroom serve`, a real SMTP
 * server on 127.0.0.1 that refuses every tenth recipient with 550 5.1.1, and (when installed) a
 * real dovecot mailbox: a campaign the guardrail pauses says why beside Resume and shows its
 * deliverability, machine opens apart; a complaint read from a polled mailbox ("Poll now" on the
 * Settings page) reaches the numbers; the dashboard's deliverability panel draws its charts and
 * tables; the suppression list is added to, searched, removed from, imported into and exported;
 * and a message to a suppressed address ends as suppressed.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import PostalMime from 'postal-mime';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startSink, type Sink, type SinkMessage } from '../helpers/smtp-sink.js';
import { dovecotAvailable, startDovecot, type Dovecot } from '../helpers/dovecot.js';
import { browserAvailable, launchBrowser, logIn, newContext, screenshot, settled, startPostroom, WIDTHS, type RunningPostroom, type Width } from './browser-harness.js';

/** Contacts of the campaign; every tenth is an address the sink refuses. */
const READERS = 400;
const refused = (n: number): boolean => n % 10 === 0;
const addressOf = (n: number): string => (refused(n) ? `gone${n}@example.net` : `reader${n}@${['example.org', 'example.com', 'mail.example.net'][n % 3]}`);
const HUMAN_OPENS = 30;
const MACHINE_OPENS = 5;
const CLICKS = 10;
const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';

interface Numbers {
  attempted: number;
  bounced: number;
  complained: number;
  opened: number;
  clicked: number;
  machineOpened: number;
  machineClicked: number;
}

describe.skipIf(!browserAvailable())('feedback pages in Chromium', () => {
  let postroom: RunningPostroom;
  let browser: Browser;
  let sink: Sink;
  let dovecot: Dovecot | null = null;
  let admin: { email: string; password: string; key: string };
  let work: string;
  let campaignId = '';
  const contexts: BrowserContext[] = [];
  const crashes: string[] = [];

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'postroom-feedback-ui-'));
    // Small claims, so that pausing a campaign leaves recipients waiting (by default one claim takes the lot).
    postroom = await startPostroom({ POSTROOM_CLAIM_BATCH: '10', POSTROOM_MAX_IN_FLIGHT: '20' });
    browser = await launchBrowser();
    admin = await postroom.addUser('deliver@example.com', 'admin');
    // Slow enough (one at a time, 60 ms a message: 24 s for the campaign) that the guardrail, which
    // looks every few seconds, pauses it well before the end.
    sink = await startSink({ dataDelayMs: 60, script: { rcpt: (to) => (to.startsWith('gone') ? { code: 550, text: '5.1.1 no such user' } : undefined) } });
    const server = await postroom.api(admin.key, 'POST', '/servers', { name: 'Winter relay', host: '127.0.0.1', port: sink.port, security: 'none', maxConcurrent: 1 });
    expect(server.status, JSON.stringify(server.json)).toBe(201);
    await postroom.cli(['settings', 'set', 'tracking_base_url', postroom.origin]);

    const csv = ['email,name'];
    for (let n = 1; n <= READERS; n++) csv.push(`${addressOf(n)},Reader ${n}`);
    writeFileSync(path.join(work, 'readers.csv'), csv.join('\n') + '\n');
    await postroom.cli(['contacts', 'import', path.join(work, 'readers.csv'), '--list', 'Winter readers']);
    const template = await postroom.api(admin.key, 'POST', '/templates', {
      name: 'Winter sale',
      subject: 'Winter sale, {{ contact.first_name }}',
      source: '<h1>Hello {{ contact.first_name }}</h1><p>Our winter sale starts today.</p><p><a href="https://shop.example.com/winter">See the sale</a></p>',
    });
    expect(template.status, JSON.stringify(template.json)).toBe(201);
    if (dovecotAvailable()) dovecot = await startDovecot();
  });
  afterEach(() => {
    expect(crashes, 'errors thrown in the page').toEqual([]);
  });
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await postroom?.stop();
    await sink?.close();
    await dovecot?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  async function signedIn(width: Width = 'desktop'): Promise<Page> {
    const context = await newContext(browser, width);
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (error) => crashes.push(`${page.url()}: ${error.message}`));
    await logIn(page, postroom.origin, admin.email, admin.password);
    // By id: on a phone the navigation is a closed menu, hidden from role queries.
    await page.locator('nav#nav').waitFor({ state: 'attached' });
    return page;
  }

  const campaignNumbers = async (): Promise<Numbers> => {
    const answer = await postroom.api<{ rows: Numbers[] }>(admin.key, 'GET', `/deliverability?by=campaign&campaign=${campaignId}`);
    return answer.json.rows[0]!;
  };

  /** Nothing wider than the window (a phone must not scroll sideways). */
  async function fitsTheWindow(page: Page): Promise<void> {
    const width = page.viewportSize()!.width;
    expect(await page.evaluate(() => document.documentElement.scrollWidth), `${page.url()} is wider than the window`).toBeLessThanOrEqual(width);
  }

  /** The open pixel and the click link of a message the sink received. */
  async function trackingLinks(message: SinkMessage): Promise<{ pixel: string; click: string }> {
    const html = (await PostalMime.parse(message.raw)).html ?? '';
    const pixel = new RegExp(`src="(${postroom.origin}/t/o/[^"]+)"`).exec(html)?.[1];
    const click = new RegExp(`href="(${postroom.origin}/t/c/[^"]+)"`).exec(html)?.[1];
    if (!pixel || !click) throw new Error(`no tracking links in:\n${html}`);
    return { pixel, click };
  }

  it('pauses a campaign at the guardrail, says why beside Resume, and shows its deliverability', async () => {
    const page = await signedIn();
    const created = await postroom.api<{ id: string }>(admin.key, 'POST', '/campaigns', { name: 'Winter sale', from: 'Shop <shop@example.com>', template: 'Winter sale', lists: ['Winter readers'] });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    campaignId = created.json.id;
    await page.goto(`${postroom.origin}/campaigns/${campaignId}`);
    await settled(page);
    await page.getByRole('button', { name: 'Start', exact: true }).click();

    // The guardrail pauses it once 100 recipients have an answer and a tenth of them bounced.
    const reason = page.getByTestId('pause-reason');
    await reason.waitFor({ timeout: 60_000 });
    expect(await reason.textContent()).toMatch(/^Paused by the guardrail: bounce rate \d+(\.\d)?% is above 5(\.0)?% \(\d+ answered\)/);
    await page.locator('.toast', { hasText: 'Campaign paused' }).waitFor();
    expect(await page.locator('.toast', { hasText: 'Campaign paused' }).textContent()).toContain('Winter sale: paused by the guardrail');
    // One Resume, beside the reason; Cancel stays in the page's actions.
    expect(await page.getByRole('button', { name: 'Resume', exact: true }).count()).toBe(1);
    expect(await reason.getByRole('button', { name: 'Resume', exact: true }).count()).toBe(1);
    expect(await page.locator('.page-actions').getByRole('button', { name: 'Cancel' }).count()).toBe(1);
    // Messages in flight when it paused still get their answer; then the numbers stand still.
    type Progress = { status: string; progress: { remaining: number; recipients: { sending: number } } };
    await expect.poll(async () => (await postroom.api<Progress>(admin.key, 'GET', `/campaigns/${campaignId}`)).json.progress.recipients.sending, { timeout: 20_000 }).toBe(0);
    const paused = await postroom.api<Progress>(admin.key, 'GET', `/campaigns/${campaignId}`);
    expect(paused.json.status).toBe('paused');
    expect(paused.json.progress.remaining).toBeGreaterThan(0);

    // People open some messages, a privacy proxy fetches others (HEAD), a few links are clicked.
    const delivered = sink.messages.filter((m) => m.to[0]?.startsWith('reader'));
    expect(delivered.length).toBeGreaterThanOrEqual(HUMAN_OPENS + MACHINE_OPENS);
    for (const [i, message] of delivered.slice(0, HUMAN_OPENS + MACHINE_OPENS).entries()) {
      const { pixel, click } = await trackingLinks(message);
      const human = i < HUMAN_OPENS;
      const open = await fetch(pixel, { method: human ? 'GET' : 'HEAD', headers: { 'user-agent': CHROME } });
      expect(open.status).toBe(200);
      if (i < CLICKS) expect((await fetch(click, { redirect: 'manual', headers: { 'user-agent': CHROME } })).status).toBe(302);
    }
    const numbers = await campaignNumbers();
    expect(numbers).toMatchObject({ opened: HUMAN_OPENS, machineOpened: MACHINE_OPENS });
    // A click within seconds of delivery is a link scanner's; later, a person's. Either way it is counted once.
    expect(numbers.clicked + numbers.machineClicked).toBe(CLICKS);

    await page.reload();
    await settled(page);
    const section = page.locator('.campaign-deliverability');
    await expect.poll(() => section.getByTestId('rate-open').textContent()).toContain(`${HUMAN_OPENS} people opened`);
    expect(await section.getByTestId('rate-delivered').textContent()).toContain(`of ${numbers.attempted} answered`);
    expect(await section.getByTestId('rate-hard-bounce').textContent()).toMatch(/Hard bounce rate\d+(\.\d+)?%\d+ hard bounces/);
    expect(await section.getByTestId('rate-hard-bounce').textContent()).toContain(`${numbers.bounced} hard bounces`);
    expect(await section.getByTestId('machine-engagement').textContent()).toContain(`Machine opens: ${MACHINE_OPENS}`);
    expect(await section.getByTestId('machine-engagement').textContent()).toContain('not counted in the rates');
    await screenshot(page, 'campaign-guardrail');

    // The refused recipients are listed with the server's answer.
    await page.locator('.campaign-recipients').getByRole('button', { name: 'Failed', exact: true }).click();
    await expect.poll(() => page.locator('.campaign-recipients tbody tr').count()).toBe(numbers.bounced);
    expect(await page.locator('.campaign-recipients tbody tr').first().textContent()).toContain('550 5.1.1 no such user');
    for (const tab of ['Bounced', 'Complained', 'Suppressed']) expect(await page.locator('.campaign-recipients').getByRole('button', { name: tab, exact: true }).count()).toBe(1);

    const phone = await signedIn('phone');
    await phone.goto(`${postroom.origin}/campaigns/${campaignId}`);
    await settled(phone);
    await phone.getByTestId('pause-reason').waitFor();
    await fitsTheWindow(phone);
    await screenshot(phone, 'campaign-guardrail');

    // Resumed, it finishes: the guardrail leaves a campaign alone once someone chose to go on.
    await reason.getByRole('button', { name: 'Resume', exact: true }).click();
    await page.locator('.page-subtitle .badge', { hasText: 'finished' }).waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('pause-reason').count()).toBe(0);
    expect(await page.getByTestId('campaign-summary').textContent()).toMatch(new RegExp(`^Finished: ${READERS - READERS / 10} of ${READERS} sent, ${READERS / 10} failed\\.$`));
   }, 180_000);

  it('lists the bounce mailboxes in Settings, adds one, and polls it now', async () => {
    const page = await signedIn();
    await page.goto(`${postroom.origin}/settings`);
    await settled(page);
    // The feedback settings, each with what it does and what empty means.
    for (const label of ['Tracking base URL', 'Soft bounces before suppression', 'Soft bounce window (days)', 'Soft-bounce suppression lasts (days)', 'Bounce guardrail (%)', 'Complaint guardrail (%)']) {
      await page.getByLabel(label, { exact: true }).waitFor();
    }
    expect(await page.getByLabel('Tracking base URL', { exact: true }).inputValue()).toBe(postroom.origin);
    expect(await page.getByLabel('Bounce guardrail (%)', { exact: true }).getAttribute('placeholder')).toBe('5');
    expect(await page.locator('.field', { has: page.getByLabel('Complaint guardrail (%)') }).textContent()).toContain('Empty: 0.3');
    await page.getByLabel('Bounce guardrail (%)', { exact: true }).fill('150');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(() => page.locator('.field', { has: page.getByLabel('Bounce guardrail (%)') }).locator('.field-error').textContent()).toContain('percentage');
    await page.getByRole('button', { name: 'Undo changes' }).click();

    const card = page.locator('.bounce-mailboxes');
    await card.getByText('No mailboxes are polled.').waitFor();
    await card.getByRole('button', { name: 'Add mailbox' }).click();
    const password = dovecot?.password ?? 'Secret-Password-4711';
    await card.getByLabel('Name', { exact: true }).fill('Feedback loop');
    await card.getByLabel('Host', { exact: true }).fill('127.0.0.1');
    await card.getByLabel('Security', { exact: true }).selectOption('none');
    expect(await card.getByLabel('Port', { exact: true }).getAttribute('placeholder')).toBe('143');
    // Without dovecot, a port nobody listens on: the poll then fails at connecting.
    await card.getByLabel('Port', { exact: true }).fill(String(dovecot?.imapPort ?? 9));
    await card.getByLabel('Username', { exact: true }).fill(dovecot?.user ?? 'bounces');
    expect(await card.getByLabel('Password', { exact: true }).getAttribute('type')).toBe('password');
    await card.getByLabel('Password', { exact: true }).fill(password);
    await card.getByLabel('Poll every (seconds)', { exact: true }).fill('3600');
    await screenshot(page, 'settings-mailbox-form');
    await card.getByRole('button', { name: 'Add mailbox' }).click();
    const row = card.locator('li[data-mailbox="Feedback loop"]');
    await row.waitFor();
    expect(await row.textContent()).toContain(`127.0.0.1:${dovecot?.imapPort ?? 9}`);
    expect(await page.content()).not.toContain(password);

    let complainedAbout: string | null = null;
    if (dovecot) {
      // A mailbox provider's complaint about one of the campaign's messages waits in the mailbox.
      const original = sink.messages.find((m) => m.to[0]?.startsWith('reader'))!;
      complainedAbout = original.to[0]!;
      dovecot.seed(complaintAbout(original));
    }
    await row.getByRole('button', { name: 'Poll now' }).click();
    const result = row.getByTestId('poll-result');
    await result.waitFor({ timeout: 30_000 });
    if (dovecot) {
      expect(await result.textContent()).toContain('Polled: 1 message processed.');
      await expect.poll(() => row.locator('.mailbox-last').textContent()).toContain('1 processed');
      expect((await campaignNumbers()).complained).toBe(1);
      const recipient = await postroom.api<{ recipients: Array<{ address: string; status: string }> }>(admin.key, 'GET', `/campaigns/${campaignId}/recipients?status=complained`);
      expect(recipient.json.recipients.map((r) => r.address)).toEqual([complainedAbout]);
    } else {
      expect(await result.textContent()).toMatch(/^The poll failed at connect/);
    }
    await screenshot(page, 'settings-mailboxes');

    // A mailbox whose login is refused says so, at the step that failed.
    const wrong = await postroom.api(admin.key, 'POST', '/mailboxes', { name: 'Old bounces', protocol: 'pop3', host: '127.0.0.1', port: dovecot?.pop3Port ?? 9, security: 'none', username: 'bounces', password: 'not-the-password', afterProcessing: 'delete', intervalSeconds: 3600 });
    expect(wrong.status, JSON.stringify(wrong.json)).toBe(201);
    await page.reload();
    await settled(page);
    const old = card.locator('li[data-mailbox="Old bounces"]');
    await old.getByRole('button', { name: 'Poll now' }).click();
    await old.getByTestId('poll-result').waitFor({ timeout: 30_000 });
    expect(await old.getByTestId('poll-result').textContent()).toMatch(dovecot ? /^The poll failed at auth: / : /^The poll failed at connect/);
    page.once('dialog', (dialog) => void dialog.accept());
    await old.getByRole('button', { name: 'Remove' }).click();
    await old.waitFor({ state: 'detached' });

    const phone = await signedIn('phone');
    await phone.goto(`${postroom.origin}/settings`);
    await settled(phone);
    await phone.locator('.bounce-mailboxes li[data-mailbox="Feedback loop"]').waitFor();
    await fitsTheWindow(phone);
    await screenshot(phone, 'settings-mailboxes');
   }, 120_000);

  it('shows deliverability on the dashboard: rates, charts per day, domains and servers', async () => {
    const numbers = await campaignNumbers();
    for (const width of Object.keys(WIDTHS) as Width[]) {
      const page = await signedIn(width);
      await page.goto(`${postroom.origin}/`);
      await settled(page);
      const panel = page.locator('.deliverability-panel');
      await panel.getByTestId('rate-hard-bounce').waitFor();
      expect(await panel.getByTestId('rate-hard-bounce').textContent()).toContain(`${numbers.bounced} hard bounces`);
      expect(await panel.getByTestId('rate-open').textContent()).toContain(`${HUMAN_OPENS} people opened`);
      expect(await panel.getByTestId('machine-engagement').textContent()).toContain(`Machine opens: ${MACHINE_OPENS}`);
      if (dovecot) expect(await panel.getByTestId('rate-complaint').textContent()).toContain('1 complaint');
      // Both charts have today's dots on their lines.
      const charts = panel.locator('.rate-chart');
      expect(await charts.count()).toBe(2);
      for (const chart of await charts.all()) {
        expect(await chart.locator('svg path').first().getAttribute('d')).toMatch(/^M/);
        expect(await chart.locator('svg circle').count()).toBeGreaterThanOrEqual(2);
      }
      expect(await charts.first().locator('svg').getAttribute('aria-label')).toMatch(/Bounce rate \d/);

      const domains = page.getByRole('table', { name: 'The 10 busiest recipient domains' });
      expect(await domains.locator('tbody tr').count()).toBe(4);
      expect(await domains.locator('tbody tr').first().textContent()).toMatch(/^example\.(org|com)/);
      expect(await page.getByRole('table', { name: 'Deliverability per server' }).locator('tbody tr').first().textContent()).toMatch(/^Winter relay/);
      await fitsTheWindow(page);
      await screenshot(page, 'dashboard-deliverability');

      await panel.getByRole('button', { name: '30 days' }).click();
      await expect.poll(() => panel.locator('.rate-chart').first().locator('svg').getAttribute('aria-label')).toMatch(/^Bounces and complaints, per day from .+ to .+: Bounce rate/);
      expect(await panel.getByRole('button', { name: '30 days' }).getAttribute('aria-pressed')).toBe('true');
      expect(await panel.getByTestId('rate-hard-bounce').textContent()).toContain(`${numbers.bounced} hard bounces`);
    }
  });

  it('manages the suppression list: add, search, remove, import a CSV with a bad line, export', async () => {
    const page = await signedIn();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Suppressions' }).click();
    await page.getByRole('heading', { name: 'Suppressions' }).waitFor();
    await settled(page);
    // The campaign's hard bounces put their addresses here by themselves.
    const gone = page.locator('.suppressions-table tr[data-address="gone10@example.net"]');
    await gone.waitFor();
    expect(await gone.locator('.cell-reason').textContent()).toBe('hard-bounce');
    expect(await gone.locator('.cell-scope').textContent()).toBe('All mail');

    await page.getByRole('button', { name: 'Add address' }).click();
    await page.getByRole('button', { name: 'Suppress address' }).click();
    expect(await page.locator('.field', { has: page.getByLabel('Address') }).locator('.field-error').textContent()).toBe('is required');
    await page.getByLabel('Address', { exact: true }).fill('Blocked@Example.org');
    await page.getByLabel('For', { exact: true }).selectOption({ label: 'Winter readers' });
    await page.getByLabel('Reason', { exact: true }).first().selectOption('unsubscribe');
    await page.getByLabel('Note (optional)').fill('asked by phone');
    await screenshot(page, 'suppression-add');
    await page.getByRole('button', { name: 'Suppress address' }).click();
    const blocked = page.locator('.suppressions-table tr[data-address="blocked@example.org"]');
    await blocked.waitFor();
    expect(await blocked.locator('.cell-scope').textContent()).toBe('Winter readers');
    expect(await blocked.locator('.cell-reason').textContent()).toBe('unsubscribe');
    expect(await blocked.locator('.cell-detail').textContent()).toBe('asked by phone');
    await page.getByRole('button', { name: 'Cancel' }).click();

    await page.getByRole('searchbox', { name: 'Search by address' }).fill('blocked');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => page.locator('.suppressions-table tbody tr').count()).toBe(1);
    expect(page.url()).toContain('q=blocked');
    page.once('dialog', (dialog) => {
      expect(dialog.message()).toContain('blocked@example.org');
      void dialog.accept();
    });
    await blocked.getByRole('button', { name: 'Remove blocked@example.org' }).click();
    await page.getByText('No suppressed address matches.').waitFor();
    await page.getByRole('button', { name: 'Clear' }).click();

    // An import: the good lines are added, the bad one is listed by its line.
    const file = path.join(work, 'old-platform.csv');
    writeFileSync(file, ['email,reason,detail', 'imported1@example.org,manual,from the old platform', 'not-an-address,manual,', 'imported2@example.org,complaint,'].join('\n') + '\n');
    await page.getByRole('button', { name: 'Import CSV' }).click();
    await page.getByLabel('CSV file').setInputFiles(file);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    const report = page.getByTestId('suppression-import-report');
    await report.waitFor();
    expect(await report.locator('.note').textContent()).toBe('2 of 3 added · 1 refused');
    const refusedLines = report.locator('tbody tr');
    expect(await refusedLines.count()).toBe(1);
    expect(await refusedLines.first().locator('td').first().textContent()).toBe('3');
    expect(await refusedLines.first().locator('td').nth(1).textContent()).toMatch(/address|email/i);
    await page.locator('.suppressions-table tr[data-address="imported2@example.org"]').waitFor();
    await screenshot(page, 'suppression-import');

    await page.getByLabel('Reason', { exact: true }).selectOption('hard-bounce');
    await expect.poll(async () => new Set(await page.locator('.suppressions-table .cell-reason').allTextContents())).toEqual(new Set(['hard-bounce']));
    expect(await page.locator('.suppressions-table tbody tr').count()).toBe(READERS / 10);
    await page.getByLabel('Reason', { exact: true }).selectOption('');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export CSV' }).click()]);
    const exported = readFileSync((await download.path())!, 'utf8');
    expect(exported.split(/\r?\n/)[0]).toBe('email,list,reason,detail,created_at,expires_at');
    expect(exported).toContain('imported1@example.org,,manual,from the old platform');
    expect(exported).not.toContain('blocked@example.org');
    await screenshot(page, 'suppressions');

    const phone = await signedIn('phone');
    await phone.goto(`${postroom.origin}/suppressions`);
    await settled(phone);
    await phone.locator('.suppressions-table tr[data-address="imported1@example.org"]').waitFor();
    await fitsTheWindow(phone);
    await screenshot(phone, 'suppressions');
    await phone.getByRole('button', { name: 'Import CSV' }).click();
    await phone.getByLabel('CSV file').setInputFiles(file);
    await phone.getByRole('button', { name: 'Import', exact: true }).click();
    await phone.getByTestId('suppression-import-report').waitFor();
    await fitsTheWindow(phone);
    await screenshot(phone, 'suppression-import');
  });

  it('shows a message to a suppressed address as suppressed, in the list and its timeline', async () => {
    const sent = await postroom.api<{ id: string }>(admin.key, 'POST', '/messages', { from: 'shop@example.com', to: ['gone20@example.net'], subject: 'Your receipt', text: 'Thanks' });
    expect(sent.status, JSON.stringify(sent.json)).toBe(202);
    await expect.poll(async () => (await postroom.api<{ status: string }>(admin.key, 'GET', `/messages/${sent.json.id}`)).json.status, { timeout: 20_000 }).toBe('suppressed');
    const page = await signedIn();
    await page.goto(`${postroom.origin}/emails`);
    await settled(page);
    await page.getByRole('navigation', { name: 'Status' }).getByRole('link', { name: 'Suppressed' }).click();
    const row = page.locator(`tr[data-message-id="${sent.json.id}"]`);
    await row.waitFor();
    expect(await row.locator('.badge').textContent()).toBe('suppressed');
    for (const tab of ['Bounced', 'Complained']) expect(await page.getByRole('navigation', { name: 'Status' }).getByRole('link', { name: tab }).count()).toBe(1);
    await screenshot(page, 'emails-suppressed');
    await row.getByRole('link').click();
    await page.getByRole('heading', { name: 'Your receipt' }).waitFor();
    await settled(page);
    await page.locator('.timeline .badge', { hasText: 'suppressed' }).waitFor();
    await screenshot(page, 'email-suppressed');
  });

  it('sends the wizard\'s "Track opens" and "Track clicks" choices with the campaign', async () => {
    const page = await signedIn();
    await page.goto(`${postroom.origin}/campaigns/new`);
    await settled(page);
    expect(await page.getByLabel('Track opens').isChecked()).toBe(true);
    expect(await page.getByLabel('Track clicks').isChecked()).toBe(true);
    await page.getByLabel('Campaign name').fill('Spring teaser');
    await page.getByLabel('From', { exact: true }).fill('Shop <shop@example.com>');
    await page.getByLabel('Template', { exact: true }).selectOption({ label: 'Winter sale' });
    await page.getByLabel('Track clicks').uncheck();
    await page.getByRole('button', { name: 'Next: Audience' }).click();
    await page.getByLabel(/^Winter readers/).check();
    await page.getByRole('button', { name: 'Next: Schedule' }).click();
    await page.getByRole('button', { name: 'Next: Review' }).click();
    expect(await page.locator('dl.review').textContent()).toContain('TrackingOpens only');
    const [request] = await Promise.all([page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/api/v1/campaigns')), page.getByRole('button', { name: 'Save as draft' }).click()]);
    expect(request.postDataJSON()).toMatchObject({ name: 'Spring teaser', trackOpens: true, trackClicks: false });
    await page.waitForURL(/\/campaigns\/cmp_/);
    await page.getByRole('heading', { name: 'Spring teaser' }).waitFor();
  });
});

/** A complaint as a mailbox provider's feedback loop sends one (ARF, RFC 5965), the original's headers attached. */
function complaintAbout(original: SinkMessage): string {
  const headers = original.raw.toString('latin1').split('\r\n\r\n')[0]!;
  return [
    'From: feedback@isp.example',
    'To: complaints@example.com',
    'Subject: Abuse report',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=feedback-report; boundary="report"',
    '',
    '--report',
    'Content-Type: text/plain',
    '',
    'A user of ours marked this message as spam.',
    '',
    '--report',
    'Content-Type: message/feedback-report',
    '',
    'Feedback-Type: abuse',
    'User-Agent: IspFeedback/2.0',
    'Version: 1',
    `Original-Rcpt-To: ${original.to[0]}`,
    '',
    '--report',
    'Content-Type: text/rfc822-headers',
    '',
    headers,
    '',
    '--report--',
    '',
  ].join('\r\n');
}
