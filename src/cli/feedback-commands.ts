/**
 * `postroom bounce`, `postroom suppression` and `postroom mailbox`: the feedback loop from the
 * command line. What each command needs is loaded when it runs (the MIME parser, the IMAP
 * client): every `postroom` command builds this file's commands, few run them.
 */
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import { loadConfig } from '../config/index.js';
import { SUPPRESSION_REASONS, type SuppressionReason } from '../store/index.js';
import { InputError } from '../lib/input-error.js';
import { globalFlags, outputFor, withApp } from './context.js';
import { integer, oneOf, readEnvFlag, readFlagFile } from './flags.js';
import { table, time, writeOutput } from './output.js';

const suppressionsModule = () => import('../feedback/manage-suppressions.js');
const mailboxesModule = () => import('../feedback/manage-mailboxes.js');

export function bounceCommands(): Command {
  const bounce = new Command('bounce').description('read bounce, complaint and auto-reply messages');
  bounce
    .command('classify')
    .description('classify bounce messages: one row per message and recipient (reason, hard or soft, status, diagnostic)')
    .argument('<files...>', 'RFC 5322 message files (.eml)')
    .action(async (files: string[], _flags: unknown, command: Command) => {
      const { loadBounceRules } = await import('../feedback/bounce-rules.js');
      const { readFeedback } = await import('../feedback/read-report.js');
      const config = loadConfig({ dataDir: globalFlags(command).data, quiet: true });
      const rules = loadBounceRules(config.dataDir);
      const rows: Array<{ file: string; kind: string; recipient: string | null; reason: string; hard: boolean; status: string | null; diagnostic: string | null }> = [];
      for (const file of files) {
        const report = await readFeedback(readFlagFile(file, file), rules);
        for (const r of report.recipients) rows.push({ file, kind: report.kind, recipient: r.recipient, reason: r.reason, hard: r.hard, status: r.status, diagnostic: r.diagnostic });
      }
      outputFor(command).print(rows, () =>
        table(['FILE', 'RECIPIENT', 'REASON', 'HARD', 'STATUS', 'DIAGNOSTIC'], rows.map((r) => [path.basename(r.file), r.recipient ?? '', r.reason, r.hard ? 'hard' : 'soft', r.status ?? '', (r.diagnostic ?? '').slice(0, 80)])),
      );
    });
  return bounce;
}

interface SuppressionFlags {
  list?: string;
  reason?: SuppressionReason;
  q?: string;
  detail?: string;
  days?: number;
  output?: string;
  limit?: number;
}

export function suppressionCommands(): Command {
  const suppression = new Command('suppression').description('the suppression list: addresses Postroom does not send to');
  const reason = new Option('--reason <reason>', `one of ${SUPPRESSION_REASONS.join(', ')}`).argParser(oneOf(...SUPPRESSION_REASONS));

  suppression
    .command('list')
    .description('list suppressed addresses, newest first')
    .option('--q <text>', 'addresses containing this')
    .addOption(reason)
    .option('--list <list>', 'entries for this list only ("" for global ones)')
    .option('--limit <n>', 'at most this many (default 100)', integer(1, 100_000))
    .action(async (flags: SuppressionFlags, command: Command) =>
      withApp(command, async (app, out) => {
        const { listSuppressions } = await suppressionsModule();
        const { suppressions } = await listSuppressions(app.store, { q: flags.q, reason: flags.reason, list: flags.list, limit: flags.limit });
        // A list's entry is shown by the list's name (its id only if the list is gone).
        const scopes = [...new Set(suppressions.map((s) => s.scope).filter(Boolean))];
        const names = new Map(scopes.length ? (await app.store.db.selectFrom('lists').select(['id', 'name']).where('id', 'in', scopes).execute()).map((l) => [l.id, l.name]) : []);
        out.print(suppressions, () =>
          suppressions.length === 0
            ? 'no suppressed addresses'
            : table(['ADDRESS', 'SCOPE', 'REASON', 'SINCE', 'UNTIL', 'DETAIL'], suppressions.map((s) => [s.address, s.scope ? `list ${names.get(s.scope) ?? s.scope}` : 'all mail', s.reason, time(s.created_at), s.expires_at ? time(s.expires_at) : '', (s.detail ?? '').slice(0, 60)])),
        );
      }),
    );

  suppression
    .command('add')
    .description('suppress an address (for all mail, or for one list)')
    .argument('<address>')
    .option('--list <list>', 'only for campaigns to this list')
    .addOption(new Option('--reason <reason>', 'why (default manual)').argParser(oneOf(...SUPPRESSION_REASONS)))
    .option('--detail <text>', 'a note')
    .option('--days <n>', 'lift it after this many days', integer(1, 3650))
    .action(async (address: string, flags: SuppressionFlags, command: Command) =>
      withApp(command, async (app, out) => {
        const { addSuppression } = await suppressionsModule();
        const row = await addSuppression(app, { address, list: flags.list, reason: flags.reason, detail: flags.detail, expiresAt: flags.days ? app.clock.now() + flags.days * 86_400_000 : undefined }).catch((e: unknown) => {
          throw e instanceof InputError && e.field === 'email' ? e.renamed('address') : e;
        });
        out.print(row, () => `suppressed ${row.address}${row.scope ? ' for that list' : ''} (${row.reason})`);
      }),
    );

  suppression
    .command('remove')
    .description('take an address off the suppression list')
    .argument('<address>')
    .option('--list <list>', 'the entry for this list')
    .action(async (address: string, flags: SuppressionFlags, command: Command) =>
      withApp(command, async (app, out) => {
        const { removeSuppression } = await suppressionsModule();
        const row = await removeSuppression(app, address, flags.list);
        out.print({ removed: row.address, scope: row.scope, reason: row.reason }, () => `removed ${row.address} (${row.reason}) from the suppression list`);
      }),
    );

  suppression
    .command('import')
    .description('import a CSV of addresses (columns email, and optionally reason, list, detail)')
    .argument('<file>')
    .action(async (file: string, _flags: unknown, command: Command) =>
      withApp(command, async (app, out) => {
        readFlagFile(file, file);
        const { importSuppressions } = await suppressionsModule();
        const report = await importSuppressions(app, createReadStream(file));
        out.print(report, () => [`${report.added} of ${report.rows} rows suppressed`, ...report.errors.map((e) => `line ${e.line}: ${e.reason}`)].join('\n'));
        if (report.errors.length) process.exitCode = 3;
      }),
    );

  suppression
    .command('export')
    .description('write the suppression list as CSV')
    .option('--output <file>', 'write to this file instead of standard output')
    .action(async (flags: SuppressionFlags, command: Command) =>
      withApp(command, async (app) => {
        const { exportSuppressions } = await suppressionsModule();
        await writeOutput(flags.output, 'suppressions', (target) => exportSuppressions(app.store, target));
      }),
    );
  return suppression;
}

interface MailboxFlags {
  protocol: 'imap' | 'pop3';
  host: string;
  port?: number;
  security?: 'none' | 'starttls' | 'tls';
  tlsVerify?: boolean;
  ca?: string;
  user: string;
  passwordEnv: string;
  folder?: string;
  after?: 'delete' | 'move';
  moveTo?: string;
  interval?: number;
}

const MAILBOX_FLAG: Record<string, string> = { host: '--host', port: '--port', username: '--user', password: '--password-env', folder: '--folder', afterProcessing: '--after', moveTo: '--move-to', intervalSeconds: '--interval', name: 'name' };

export function mailboxCommands(): Command {
  const mailbox = new Command('mailbox').description('mailboxes polled for bounces and complaints (IMAP or POP3), when no inbound SMTP port can be opened');
  mailbox
    .command('add')
    .description('poll a mailbox (while `postroom serve` runs)')
    .argument('<name>')
    .addOption(new Option('--protocol <protocol>', 'imap or pop3').argParser(oneOf('imap', 'pop3')).makeOptionMandatory())
    .requiredOption('--host <host>', 'the mail server')
    .option('--port <port>', 'default 993 / 995 with tls, 143 / 110 otherwise', integer(1, 65535))
    .addOption(new Option('--security <mode>', 'none, starttls or tls (default tls)').argParser(oneOf('none', 'starttls', 'tls')))
    .option('--no-tls-verify', "do not verify the server's certificate")
    .option('--ca <file>', 'PEM certificate authority to trust for this server')
    .requiredOption('--user <username>', 'the mailbox user')
    .requiredOption('--password-env <VAR>', 'read the password from this environment variable')
    .option('--folder <folder>', 'IMAP folder to read (default INBOX)')
    .addOption(new Option('--after <what>', 'delete or move processed messages (default move; POP3: delete)').argParser(oneOf('delete', 'move')))
    .option('--move-to <folder>', 'IMAP folder for processed messages (default Processed)')
    .option('--interval <seconds>', 'how often to poll (default 60)', integer(10, 86_400))
    .action(async (name: string, flags: MailboxFlags, command: Command) =>
      withApp(command, async (app, out) => {
        const { addMailbox, publicMailbox } = await mailboxesModule();
        const row = await addMailbox(app, {
          name,
          protocol: flags.protocol,
          host: flags.host,
          port: flags.port,
          security: flags.security,
          tlsVerify: flags.tlsVerify,
          tlsCa: flags.ca ? readFlagFile('--ca', flags.ca).toString('utf8') : null,
          username: flags.user,
          password: readEnvFlag('--password-env', flags.passwordEnv),
          folder: flags.folder,
          afterProcessing: flags.after ?? (flags.protocol === 'pop3' ? 'delete' : 'move'),
          moveTo: flags.moveTo,
          intervalSeconds: flags.interval,
        }).catch((e: unknown) => {
          throw e instanceof InputError && MAILBOX_FLAG[e.field] ? e.renamed(MAILBOX_FLAG[e.field]!) : e;
        });
        out.print(publicMailbox(row), () => `added mailbox ${row.name}: ${row.protocol} ${row.username}@${row.host}:${row.port}, polled every ${row.interval_seconds} s`);
      }),
    );

  mailbox
    .command('list')
    .description('list the polled mailboxes and how their last poll went')
    .action(async (_flags: unknown, command: Command) =>
      withApp(command, async (app, out) => {
        const { listMailboxes, publicMailbox } = await mailboxesModule();
        const rows = await listMailboxes(app.store);
        out.print(rows.map(publicMailbox), () =>
          rows.length === 0 ? 'no mailboxes' : table(['NAME', 'PROTOCOL', 'SERVER', 'USER', 'EVERY', 'LAST POLL', 'RESULT'], rows.map((r) => [r.name, r.protocol, `${r.host}:${r.port}`, r.username, `${r.interval_seconds} s`, time(r.last_polled_at), r.last_result ?? ''])),
        );
      }),
    );

  mailbox
    .command('poll')
    .description('poll a mailbox now and process what it holds')
    .argument('<name>')
    .action(async (name: string, _flags: unknown, command: Command) =>
      withApp(command, async (app, out) => {
        const { findMailbox } = await mailboxesModule();
        const { pollOnce } = await import('../feedback/poll-mailboxes.js');
        const { loadBounceRules } = await import('../feedback/bounce-rules.js');
        const row = await findMailbox(app.store, name, 'name');
        const outcome = await pollOnce({ store: app.store, clock: app.clock, log: app.log, secrets: app.secrets, bounceRules: loadBounceRules(app.config.dataDir), verpKey: app.secrets.derive('verp') }, row);
        if (!outcome.ok) throw new InputError(name, `${outcome.error.step}: ${outcome.error.message}`);
        out.print(outcome.result, () => `${outcome.result.processed} message(s) processed${outcome.result.failed ? `, ${outcome.result.failed} left for the next poll` : ''}`);
        if (outcome.result.failed) process.exitCode = 3;
      }),
    );

  mailbox
    .command('remove')
    .description('stop polling a mailbox')
    .argument('<name>')
    .action(async (name: string, _flags: unknown, command: Command) =>
      withApp(command, async (app, out) => {
        const { removeMailbox } = await mailboxesModule();
        const row = await removeMailbox(app.store, name);
        out.print({ removed: row.name }, () => `removed mailbox ${row.name}`);
      }),
    );
  return mailbox;
}

