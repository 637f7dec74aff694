import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { createDnsLookup, dnsOptionsOf } from '../domains/dns.js';
import { presendCampaign, presendMessage, presendTemplate, type PresendReport } from '../domains/run-presend-check.js';
import { InputError } from '../lib/input-error.js';
import { withApp } from './context.js';
import { table } from './output.js';

function describe(report: PresendReport): string {
  const mark = { pass: 'ok', warn: 'warn', fail: 'FAIL' } as const;
  return [
    `${report.target}: "${report.subject}" from ${report.from}`,
    table(
      ['', 'CHECK', 'PENALTY', 'WHY'],
      report.checks.map((c) => [mark[c.status], c.title, c.penalty ? `-${c.penalty}` : '', c.explanation]),
    ),
    `score ${report.score} / 10: ${report.verdict}`,
  ].join('\n');
}

export function checkCommand(): Command {
  return new Command('check')
    .description('pre-send check of a message file, a campaign or a template: DKIM / SPF / DMARC for its sending path and its content, each with a score; exit status 1 when the verdict is poor')
    .argument('[file]', 'a message as an .eml file')
    .option('--campaign <id>', 'check a campaign (one of its messages)')
    .option('--template <id>', 'check a template, sent --from an address')
    .option('--from <address>', 'From for --template')
    .option('--dns <host:port>', 'DNS server to ask (default: the configured one)')
    .action(async (file: string | undefined, flags: { campaign?: string; template?: string; from?: string; dns?: string }, command: Command) =>
      withApp(command, async (app, out) => {
        const given = [file, flags.campaign, flags.template].filter((x) => x !== undefined).length;
        if (given !== 1) throw new InputError('file', 'give one message file, or --campaign ID, or --template ID');
        const dns = createDnsLookup(dnsOptionsOf(app.config.dns, flags.dns));
        const deps = { store: app.store, dataDir: app.config.dataDir };
        let report: PresendReport;
        if (file !== undefined) {
          let raw: Buffer;
          try {
            raw = readFileSync(file);
          } catch {
            throw new InputError('file', `cannot read ${file}`);
          }
          report = await presendMessage(deps, raw, dns, file);
        } else if (flags.campaign) report = await presendCampaign(deps, flags.campaign, dns);
        else {
          if (!flags.from) throw new InputError('from', 'is required with --template');
          report = await presendTemplate(deps, flags.template!, flags.from, dns);
        }
        out.print(report, () => describe(report));
        if (report.verdict === 'poor') process.exitCode = 1;
      }),
    );
}
