/**
 * What the guide test expects of each page's commands: a key line of the output where it matters
 * (the sent message shows up in `queue list`), an API error shown on purpose, and what the reader
 * does between two commands that a test must do for them (publishing DNS records). Each
 * expectation must match a command that ran, so a page rewritten without it fails here rather
 * than silently checking less.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'vitest';
import { REPO_ROOT } from '../helpers/processes.js';
import type { DnsServer } from '../helpers/dns-server.js';
import { fencedBlocks, readPage } from './guide-commands.js';
import { cliOk, publishZoneLines, type PageWorld, type WebhookReceiver } from './guide-world.js';
import type { ShellResult } from './guide-shell.js';

export interface RunContext {
  world: PageWorld;
  dns: DnsServer;
  webhooks: WebhookReceiver;
  result: ShellResult;
}

export interface Expectation {
  /** Matched against the command as written in the page. */
  command: RegExp;
  /** A line its standard output must have. */
  stdout?: RegExp;
  /** Its output is an API error (`{"error": …}`) on purpose. */
  error?: true;
  /** Runs after the command: the reader's next step, or a further check. */
  then?: (ctx: RunContext) => Promise<void>;
}

export interface PagePlan {
  page: string;
  /** Extra `serve` flags: `--no-workers` where the page sends nothing and adds servers that must not be tried. */
  serveFlags?: string[];
  expect: Expectation[];
  /** Checks once the page's commands have run, before its world stops. */
  after?: (world: PageWorld, webhooks: WebhookReceiver) => Promise<void>;
}

/** The code of the first ```js block of a page. */
export function jsBlock(page: string): string {
  const block = fencedBlocks(readPage(page)).find((b) => b.lang === 'js');
  if (!block) throw new Error(`${page} has no \`\`\`js block`);
  return block.lines.join('\n');
}

/** Publishes what `domain records` printed, as the reader does at their DNS host. */
const publish = async ({ dns, result }: RunContext) => {
  expect(publishZoneLines(dns.zone, result.stdout), 'zone lines printed by domain records').toBeGreaterThanOrEqual(3);
};

/** Runs the page's nodemailer example against the relay, with the login the page made. */
const runNodemailerExample = async ({ world }: RunContext) => {
  const login = JSON.parse(readFileSync(path.join(world.workDir, 'erp-login.json'), 'utf8')) as { username: string; password: string };
  const out = await runNode(jsBlock('smtp-relay.md'), { SMTP_USER: login.username, SMTP_PASSWORD: login.password, SMTP_PORT: world.relay.split(':')[1] });
  expect(out).toMatch(/250 2\.0\.0 Ok: queued as msg_/);
};

export const PLAN: PagePlan[] = [
  {
    page: 'getting-started.md',
    expect: [
      { command: /user add --email ana@example\.com/, stdout: /added sender ana@example\.com/ },
      { command: /^npx postroom server list$/, stdout: /^Sandbox\s+sandbox\s+1000\s/m },
      { command: /^npx postroom queue list$/, stdout: /\byou@example\.com\s+someone@example\.org\s+Hello\b/ },
      { command: /^npx postroom queue show "\$ID"$/, stdout: /^someone@example\.org\s+(queued|sending|sent)\b/m },
      { command: /^curl .*\/api\/v1\/messages/s, stdout: /^\{"id":"msg_\w+"\}$/ },
      { command: /contacts import contacts\.csv --list Customers/, stdout: /3 contacts created/ },
      { command: /^npx postroom list show$/, stdout: /^Customers\s+3\b/m },
      { command: /template create --name Welcome/, stdout: /created template "Welcome"/ },
      { command: /campaign create --name "March news"/, stdout: /created draft campaign "March news"/ },
      { command: /campaign send "March news"/, stdout: /queued 3 messages for "March news"/ },
      { command: /campaign status "March news"/, stdout: /March news \(cmp_\w+\): \w+; 3 recipients/ },
      { command: /server add --name Direct --kind direct/, stdout: /added server Direct/ },
      { command: /server show Direct/, stdout: /^Direct \(direct, srv_\w+\)$/m },
    ],
  },
  {
    page: 'outgoing-servers.md',
    serveFlags: ['--no-workers'],
    expect: [
      { command: /server add --name Direct --kind direct/, stdout: /added server Direct/ },
      { command: /server show Direct/, stdout: /^Direct \(direct, srv_\w+\)$/m },
      { command: /server add --name "Ana's Gmail" --kind gmail/, stdout: /added server Ana's Gmail/ },
      { command: /server update "Ana's Gmail" --per-day 500/, stdout: /Ana's Gmail/ },
      { command: /server add --name "Sales mailbox" --kind microsoft/, stdout: /added server Sales mailbox/ },
      { command: /^npx postroom server list$/, stdout: /^Sales mailbox\s+microsoft\s+10\s+sales@example\.com\s+active\s+smtp\.office365\.com:587\s+starttls\s+password\s+30\/min, 10000\/day$/m },
      { command: /server add --name "Office relay"/, stdout: /added server Office relay/ },
      { command: /server update "Office relay" --from-filter example\.com --priority 5/, stdout: /Office relay/ },
      { command: /settings set domain_alias example\.com/, stdout: /domain_alias = example\.com/ },
      { command: /settings set bulk_server Direct/, stdout: /bulk_server = Direct/ },
      { command: /server add --name "SES backup"/, stdout: /added server SES backup/ },
    ],
    async after(world) {
      const list = await cliJson<Array<{ name: string; priority: number; fromFilter: string }>>(world, ['server', 'list']);
      const relay = list.find((s) => s.name === 'Office relay');
      expect(relay, 'the Office relay the page added').toMatchObject({ priority: 5, fromFilter: 'example.com' });
      expect(list.find((s) => s.name === "Ana's Gmail")).toMatchObject({ fromFilter: 'ana@example.com' });
    },
  },
  {
    page: 'domains.md',
    expect: [
      { command: /settings set sending_ips 203\.0\.113\.10/, stdout: /sending_ips = 203\.0\.113\.10/ },
      { command: /^npx postroom domain add example\.com$/, stdout: /added example\.com with DKIM selector \w+ \(rsa\)/ },
      { command: /^npx postroom domain records example\.com$/, stdout: /^example\.com\. IN TXT "v=spf1 include:_spf\.google\.com ip4:203\.0\.113\.10 ~all"$/m, then: publish },
      { command: /^npx postroom domain check example\.com$/, stdout: /^example\.com: ready$/m },
      { command: /^npx postroom check offer\.eml$/, stdout: /^ok\s+DKIM signature\b/m },
      { command: /domain rotate example\.com/, stdout: /new key \w+ \(rsa\) is pending/ },
      // After the rotation's check: the new selector signs, the old one is retired.
      { command: /^npx postroom domain list$/, stdout: /^example\.com\s+\w+a\s+rsa\s+active\b[\s\S]*\s+retired\b/m },
    ],
  },
  {
    page: 'bounces.md',
    expect: [
      { command: /settings set bounce_domain bounces\.example\.com/, stdout: /bounce_domain = bounces\.example\.com/ },
      { command: /bounce classify bounce\.eml/, stdout: /^bounce\.eml\s+ana@example\.org\s+userunknown\s+hard\s+5\.1\.1\b/m },
      { command: /suppression add ana@example\.org/, stdout: /suppressed ana@example\.org/ },
      { command: /^npx postroom suppression list$/, stdout: /^ben@example\.net\s+list Customers\s+manual\b[\s\S]*^ana@example\.org\s+all mail\s+manual\b/m },
      {
        command: /suppression export --output suppressions\.csv/,
        async then({ world }) {
          expect(readFileSync(path.join(world.workDir, 'suppressions.csv'), 'utf8')).toMatch(/^ana@example\.org,,manual,asked by phone,/m);
        },
      },
      { command: /suppression add ben@example\.net --list Customers/, stdout: /suppressed ben@example\.net/ },
      { command: /suppression remove ben@example\.net --list Customers/, stdout: /removed ben@example\.net/ },
      { command: /settings set tracking_base_url/, stdout: /tracking_base_url = https:\/\/links\.example\.com/ },
    ],
  },
  {
    page: 'api.md',
    expect: [
      { command: /user add --email shop@example\.com/, stdout: /added sender shop@example\.com/ },
      { command: /apikey list --user shop@example\.com/, stdout: /web shop/ },
      { command: /^curl -sS -X POST .*Idempotency-Key: order-1017/s, stdout: /^\{"id":"msg_\w+"\}$/ },
      { command: /^echo "\$ID"$/, stdout: /^msg_\w+$/m },
      { command: /order-1017\.csv\\"/, stdout: /^\{"id":"msg_\w+"\}$/ },
      { command: /"text": "No subject"/, error: true, stdout: /"field":"subject"/ },
      { command: /messages\?tag=order/, stdout: /"subject": "Your order 1017"/ },
      { command: /messages\/\$ID" .*jq '\{status, recipients\}'/, stdout: /"address": "ana@example\.org"/ },
      { command: /messages\/\$ID\/raw/, stdout: /\S/ },
      { command: /events\?messageId=\$ID/, stdout: /"type":"queued"/ },
      { command: /^jq -r \.secret webhook\.json$/, stdout: /^whsec_\S+$/m },
      { command: /"subject": "Your order 1018"/, stdout: /^\{"id":"msg_\w+"\}$/ },
      { command: /webhooks\/\$WEBHOOK_ID\/deliveries/, stdout: /\S/ },
      { command: /openapi\.json/, stdout: /^\/api\/v1\/messages$/m },
      // Sent by then, as a rule; cancelled if a worker was slower.
      { command: /messages\/\$ID\/cancel/, error: true, stdout: /"code":"conflict".*is sent|"status":"cancelled"/ },
    ],
    async after(world, webhooks) {
      const { secret } = JSON.parse(readFileSync(path.join(world.workDir, 'webhook.json'), 'utf8')) as { secret: string };
      for (const until = Date.now() + 20_000; webhooks.requests.length === 0 && Date.now() < until; ) await new Promise((r) => setTimeout(r, 100));
      expect(webhooks.requests.length, 'webhook POSTs received').toBeGreaterThan(0);
      const [first] = webhooks.requests;
      expect(JSON.parse(first!.body)).toMatchObject({ type: 'message.sent' });
      // The page's verification code accepts Postroom's signature, and refuses a changed body or another secret.
      const header = first!.headers['postroom-signature'];
      const verdicts = await verifySignatures(world.workDir, [
        { secret, header, body: first!.body },
        { secret, header, body: first!.body.replace('message.sent', 'message.failed') },
        { secret: `${secret}x`, header, body: first!.body },
      ]);
      expect(verdicts).toEqual([true, false, false]);
    },
  },
  {
    page: 'smtp-relay.md',
    expect: [
      { command: /user add --email erp@example\.com/, stdout: /added sender erp@example\.com/ },
      { command: /^npx postroom smtp-credential create --user erp@example\.com --name ERP --allow-from/, stdout: /^\s+username: smtp_\w+$/m },
      { command: /^npx postroom queue list$/, stdout: /\berp@example\.com\s+Ana <ana@example\.org>\s+Invoice 1017\b/, then: runNodemailerExample },
      { command: /smtp-credential list --user erp@example\.com/, stdout: /^smtp_\w+\s+ERP \(scripted\)/m },
      { command: /smtp-credential revoke "\$SMTP_USER"/, stdout: /revoked smtp_\w+/ },
    ],
  },
  {
    page: 'deployment.md',
    expect: [{ command: /^openssl rand -hex 32$/, stdout: /^[0-9a-f]{64}$/m }],
  },
];

async function cliJson<T>(world: PageWorld, args: string[]): Promise<T> {
  return JSON.parse(await cliOk(world.env, ['--json', ...args])) as T;
}

/** Runs Node.js code (an ES module) in a child process; resolves with its stdout, rejects on a non-zero exit. */
async function runNode(code: string, env: NodeJS.ProcessEnv, cwd = REPO_ROOT): Promise<string> {
  const run = spawn(process.execPath, ['--input-type=module', '-e', code], { cwd, env: { PATH: process.env.PATH, ...env } });
  let out = '';
  let err = '';
  run.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  run.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  const exit = await new Promise<number | null>((resolve) => run.once('close', resolve));
  if (exit !== 0) throw new Error(`node exited ${exit}: ${err}`);
  return out;
}

/** Calls the page's verifyPostroomSignature (api.md's ```js block, as a module of its own) on each case. */
async function verifySignatures(workDir: string, cases: Array<{ secret: string; header: unknown; body: string }>): Promise<boolean[]> {
  const file = path.join(workDir, 'verify-postroom-signature.mjs');
  writeFileSync(file, jsBlock('api.md'));
  const out = await runNode(
    `import { verifyPostroomSignature } from ${JSON.stringify(pathToFileURL(file).href)};\n` +
      `const cases = JSON.parse(process.env.CASES);\n` +
      `console.log(JSON.stringify(cases.map((c) => verifyPostroomSignature(c.secret, c.header, c.body))));`,
    { CASES: JSON.stringify(cases) },
  );
  return JSON.parse(out) as boolean[];
}
