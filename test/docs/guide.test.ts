/**
 * The user guide's commands, run. Every command of every ```sh block of docs/*.md runs, in order,
 * page by page, in a bash shell of the page's own against a fresh `postroom serve` (see
 * guide-world.ts for what is local and what is substituted), unless it is marked
 * `# not run: REASON`. Each must exit 0 (or the status it is marked with), must not print an API
 * error unless the plan says so, and where the plan (guide-plan.ts) names a key line, print it.
 * A new command the test cannot run therefore fails here until it is made runnable or marked.
 *
 * POSTROOM_GUIDE_TRANSCRIPT=FILE appends each command with its output to FILE: the place to copy
 * a page's ```text examples from when they need updating.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.js';
import { fencedBlocks, guidePages, pageCommands, readPage, type GuideCommand } from './guide-commands.js';
import { openShell } from './guide-shell.js';
import { startingZone, startPageWorld, startWebhookReceiver, type WebhookReceiver } from './guide-world.js';
import { PLAN, type PagePlan } from './guide-plan.js';

/** Fenced blocks a page may use; shell of any other label would escape the test. */
const LANGS = new Set(['sh', 'text', 'js', 'json', 'ini', 'yaml', 'powershell']);
const COMMAND_TIMEOUT_MS = 60_000;

describe('the user guide', () => {
  let dns: DnsServer;
  let webhooks: WebhookReceiver;

  beforeAll(async () => {
    dns = await startDnsServer(startingZone());
    webhooks = await startWebhookReceiver();
  });
  afterAll(async () => {
    await webhooks?.close();
    await dns?.close();
  });

  it('has the tools the guide uses: bash, curl, jq, openssl', () => {
    const missing = ['bash', 'curl', 'jq', 'openssl'].filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);
    expect(missing, `install them (Debian: apt-get install -y ${missing.join(' ')}): the guide's commands use them`).toEqual([]);
  });

  it('has a plan for every page, and labels every fenced block', () => {
    const withCommands = guidePages().filter((page) => pageCommands(page).length > 0);
    expect(withCommands.sort()).toEqual(PLAN.map((p) => p.page).sort());
    for (const page of guidePages()) {
      for (const block of fencedBlocks(readPage(page))) {
        expect(LANGS.has(block.lang), `${page}:${block.line}: a \`\`\`${block.lang || '(no label)'} block; use sh (run by this test), text, or one of ${[...LANGS].join(', ')}`).toBe(true);
      }
    }
  });

  for (const plan of PLAN) {
    it(`runs the commands of ${plan.page}`, { timeout: 300_000 }, async () => {
      await runPage(plan, dns, webhooks);
    });
  }
});

async function runPage(plan: PagePlan, dns: DnsServer, webhooks: WebhookReceiver): Promise<void> {
  const commands = pageCommands(plan.page);
  const runnable = commands.filter((c) => c.notRun === null);
  const failures: string[] = [];
  const matched = new Set<number>();
  const where = (c: GuideCommand) => `${c.page}:${c.line}: ${c.text.split('\n')[0]}`;

  if (runnable.length === 0) {
    expect(plan.expect, `${plan.page} runs no command, so its plan may expect none`).toEqual([]);
    return;
  }
  dns.zone = startingZone();
  webhooks.requests.length = 0;
  const world = await startPageWorld({ dns, webhooks, serveFlags: plan.serveFlags });
  const shell = openShell(world.workDir, world.env);
  try {
    for (const command of runnable) {
      const result = await shell.run(world.localize(command.text), COMMAND_TIMEOUT_MS).catch((error: Error) => {
        throw new Error(`${where(command)}\n${error.message}`);
      });
      if (process.env.POSTROOM_GUIDE_TRANSCRIPT) appendFileSync(process.env.POSTROOM_GUIDE_TRANSCRIPT, `\n$ ${where(command)} (exit ${result.code})\n${result.stdout}${result.stderr}`);
      const shown = `\n--- stdout\n${result.stdout.slice(0, 3000)}\n--- stderr\n${result.stderr.slice(0, 3000)}`;
      if (result.code !== command.exitStatus) failures.push(`${where(command)}\nexited ${result.code}, not ${command.exitStatus}${shown}`);
      const expectations = plan.expect.filter((e) => e.command.test(command.text));
      for (const e of expectations) matched.add(plan.expect.indexOf(e));
      if (!expectations.some((e) => e.error) && /\{"error":\s*\{/.test(result.stdout)) failures.push(`${where(command)}\nanswered an API error${shown}`);
      for (const e of expectations) {
        if (e.stdout && !e.stdout.test(result.stdout)) failures.push(`${where(command)}\nprinted no line matching ${e.stdout}${shown}`);
        if (e.then) {
          await e.then({ world, dns, webhooks, result }).catch((error: Error) => failures.push(`${where(command)}\nthe step after it failed: ${error.message}`));
        }
      }
    }
    plan.expect.forEach((e, i) => {
      if (!matched.has(i)) failures.push(`${plan.page}: no command ran that matches ${e.command}: the page changed, change guide-plan.ts with it`);
    });
    if (failures.length === 0 && plan.after) await plan.after(world, webhooks);
  } finally {
    await shell.close();
    await world.stop();
  }
  expect(failures, failures.join('\n\n')).toEqual([]);
  // Not a vacuous run: the page's commands ran, and what is not run says why.
  expect(runnable.length).toBeGreaterThan(0);
  for (const c of commands) if (c.notRun !== null) expect(c.notRun.length, where(c)).toBeGreaterThan(5);
}
