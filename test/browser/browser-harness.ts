/**
 * The web UI in a real browser: `postroom serve` as a child process on a fresh SQLite data
 * directory (the README's start command, on a free port), Debian's Chromium driven by
 * playwright-core, and screenshots of every page at 1280 px and 390 px wide saved under
 * artifacts/screenshots/ (never committed).
 *
 * Browser tests run when /usr/bin/chromium (or POSTROOM_TEST_CHROMIUM) exists; scripts/test.mjs
 * says plainly when they are skipped, and under CI a missing Chromium is an error.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { postroomEnv, spawnPostroom, waitUntil, REPO_ROOT, type PostroomProcess } from '../helpers/processes.js';

export const CHROMIUM = process.env.POSTROOM_TEST_CHROMIUM ?? '/usr/bin/chromium';
export const browserAvailable = (): boolean => process.env.POSTROOM_TEST_BROWSER !== '0' && existsSync(CHROMIUM);
export const SCREENSHOTS = path.join(REPO_ROOT, 'artifacts', 'screenshots');

export const WIDTHS = { desktop: { width: 1280, height: 860 }, phone: { width: 390, height: 844 } } as const;
export type Width = keyof typeof WIDTHS;

export interface RunningPostroom {
  proc: PostroomProcess;
  database: TestDatabase;
  origin: string;
  adminEmail: string;
  /** The admin's one-time password printed on first start. */
  oneTimePassword: string;
  /** Runs `postroom ARGS --json` against the same data directory; returns the parsed output. */
  cli<T = unknown>(args: string[], env?: Record<string, string>): Promise<T>;
  /** A user made with the CLI (no password change needed) and an API key of theirs. */
  addUser(email: string, role: 'admin' | 'sender'): Promise<{ email: string; password: string; key: string }>;
  /** Calls the API as this user (an API key); for setting up what a test then looks at in the browser. */
  api<T = unknown>(key: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: T }>;
  stop(): Promise<void>;
}

/** Starts `postroom serve --http 127.0.0.1:0` (workers included) and waits for it to listen. */
export async function startPostroom(extraEnv: Record<string, string> = {}): Promise<RunningPostroom> {
  const database = await createTestDatabase('sqlite');
  const proc = spawnPostroom(['serve', '--http', '127.0.0.1:0', '--inbound', '127.0.0.1:0', '--smtp', '127.0.0.1:0'], postroomEnv(database, { POSTROOM_LOG_LEVEL: 'warn', ...extraEnv }));
  await waitUntil(() => /Press Ctrl-C/.test(proc.stdout()) || proc.exit() !== null, 20_000, () => `serve did not start:\n${proc.stdout()}\n${proc.stderr()}`, 50);
  const out = proc.stdout();
  const origin = /HTTP API: (http:\/\/[^/\s]+)\/api\/v1/.exec(out)?.[1];
  const admin = /admin user (\S+) with the one-time password (\S+)/.exec(out);
  if (!origin || !admin) throw new Error(`serve printed no address or admin password:\n${out}\n${proc.stderr()}`);
  const env = postroomEnv(database, extraEnv);
  const cli = async <T,>(args: string[], more: Record<string, string> = {}): Promise<T> => {
    const run = spawnPostroom(['--json', ...args], { ...env, ...more });
    const exit = await run.waitForExit(20_000);
    if (exit.code !== 0) throw new Error(`postroom ${args.join(' ')} failed (${exit.code}): ${run.stderr()}`);
    return JSON.parse(run.stdout()) as T;
  };
  return {
    proc,
    database,
    origin,
    cli,
    async addUser(email, role) {
      const password = `${role}-password-${Math.random().toString(36).slice(2)}`;
      await cli(['user', 'add', '--email', email, '--role', role, '--password-env', 'NEW_USER_PASSWORD'], { NEW_USER_PASSWORD: password });
      const { key } = await cli<{ key: string }>(['apikey', 'create', '--user', email, '--name', 'browser test']);
      return { email, password, key };
    },
    adminEmail: admin[1]!,
    oneTimePassword: admin[2]!,
    async api<T>(key: string, method: string, apiPath: string, body?: unknown) {
      const response = await fetch(`${origin}/api/v1${apiPath}`, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? null : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, json: (text ? JSON.parse(text) : null) as T };
    },
    async stop() {
      proc.kill('SIGTERM');
      await proc.waitForExit(10_000).catch(() => undefined);
      await database.drop();
    },
  };
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
}

/** A fresh browser profile (its own cookies) at one of the two widths. */
export async function newContext(browser: Browser, width: Width = 'desktop'): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: WIDTHS[width], acceptDownloads: true, reducedMotion: 'reduce' });
  context.setDefaultTimeout(15_000);
  return context;
}

/** Logs in through the login form and waits for the signed-in frame. */
/** Fills the login form and submits it, without waiting for the answer (a wrong password stays there). */
export async function submitLogin(page: Page, origin: string, email: string, password: string): Promise<void> {
  await page.goto(`${origin}/`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
}

export async function logIn(page: Page, origin: string, email: string, password: string): Promise<void> {
  await submitLogin(page, origin, email, password);
  // Logged in once the login page is gone: a page load before then would cancel the login request
  // (and the login page's own heading would pass for a settled page). Not the button: it turns
  // into "Logging in…" while the request is under way.
  await page.getByRole('heading', { name: 'Log in', exact: true }).waitFor({ state: 'detached', timeout: 30_000 });
}

/** Saves a full-page screenshot as artifacts/screenshots/NAME-WIDTH.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const width = page.viewportSize()?.width === WIDTHS.phone.width ? 'phone' : 'desktop';
  const file = path.join(SCREENSHOTS, `${name}-${width}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * Waits until the page shows its data: a heading is there and nothing is loading. (The live event
 * stream keeps a request open, so "network idle" never comes.)
 */
export async function settled(page: Page): Promise<void> {
  await page.locator('h1').first().waitFor();
  await page.waitForFunction(() => !document.querySelector('[aria-busy="true"]'));
  await page.waitForTimeout(150);
  // A message's HTML frame loads on its own.
  for (const frame of page.frames()) if (frame !== page.mainFrame()) await frame.waitForLoadState('load');
}
