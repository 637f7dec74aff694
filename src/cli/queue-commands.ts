import { Command, Option } from 'commander';
import { getMessage, listMessages, retryMessage, cancelMessage, countMessagesByStatus, messageView } from '../spool/index.js';
import { RECIPIENT_STATUSES, type MessageStatus } from '../store/index.js';
import { withApp } from './context.js';
import { integer, oneOf } from './flags.js';
import { table, time } from './output.js';

const STATUSES = RECIPIENT_STATUSES;

function showHuman(view: ReturnType<typeof messageView>): string {
  const lines = [
    `${view.id}  ${view.status}`,
    `From:     ${view.from}`,
    `To:       ${view.to}`,
    `Subject:  ${view.subject}`,
    `Server:   ${view.server ?? '(not routed yet)'}`,
    `Created:  ${view.createdAt}`,
    ...(view.contentPrunedAt ? [`Content:  pruned ${view.contentPrunedAt} (its body and events were deleted by postroom prune)`] : []),
    '',
    table(['RECIPIENT', 'STATUS', 'ATTEMPTS', 'LAST ANSWER'], view.recipients.map((r) => [r.address, r.status, r.attempts, r.response ?? ''])),
    '',
    table(
      ['TIME', 'EVENT', 'RECIPIENT', 'ANSWER / DETAIL'],
      view.events.map((e) => [e.at, e.type, e.recipient ?? '', [e.code, e.enhancedCode, e.response, e.detail].filter(Boolean).join(' ')]),
    ),
  ];
  return lines.join('\n');
}

export function queueCommands(): Command {
  const queue = new Command('queue').description('the spool: list, show, retry and cancel messages');

  queue
    .command('list')
    .description('newest messages first')
    .addOption(new Option('--status <status>', 'only messages in this state').argParser(oneOf(...STATUSES)))
    .option('--limit <n>', 'how many (default 50)', integer(1, 10_000), 50)
    .option('--before <id>', 'messages older than this id (for paging)')
    .action(async (flags: { status?: MessageStatus; limit: number; before?: string }, command: Command) =>
      withApp(command, async (app, out) => {
        const rows = await listMessages(app.store, { status: flags.status, limit: flags.limit, before: flags.before });
        const counts = await countMessagesByStatus(app.store);
        out.print(
          rows.map((m) => ({ id: m.id, status: m.status, from: m.from_header, to: m.to_header, subject: m.subject, server: m.server_name, createdAt: new Date(m.created_at).toISOString() })),
          () =>
            (rows.length === 0 ? 'no messages' : table(['ID', 'STATUS', 'FROM', 'TO', 'SUBJECT', 'SERVER', 'CREATED'], rows.map((m) => [m.id, m.status, m.from_address, m.to_header.slice(0, 40), m.subject.slice(0, 40), m.server_name ?? '', time(m.created_at)]))) +
            '\n\n' + (Object.entries(counts).map(([s, n]) => `${s}: ${n}`).join(', ') || 'the spool is empty'),
        );
      }),
    );

  queue
    .command('show')
    .description('one message: recipients with their last answer, and its events')
    .argument('<id>')
    .action(async (id: string, _flags: unknown, command: Command) =>
      withApp(command, async (app, out) => {
        const view = messageView(await getMessage(app.store, id));
        out.print(view, () => showHuman(view));
      }),
    );

  queue
    .command('retry')
    .description('send now: queued, deferred and failed recipients are tried again at once')
    .argument('<id>')
    .action(async (id: string, _flags: unknown, command: Command) =>
      withApp(command, async (app, out) => {
        const result = await retryMessage(app.store, app.clock, id, app.config.retry.lifetimeMs);
        out.print(result, () => `${id}: ${result.recipients} recipient(s) queued again`);
      }),
    );

  queue
    .command('cancel')
    .description('cancel queued, deferred and failed recipients')
    .argument('<id>')
    .action(async (id: string, _flags: unknown, command: Command) =>
      withApp(command, async (app, out) => {
        const result = await cancelMessage(app.store, app.clock, id);
        out.print(result, () => `${id}: ${result.recipients} recipient(s) cancelled`);
      }),
    );
  return queue;
}
