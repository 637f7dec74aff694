/**
 * Polling the configured mailboxes: each message found is handed to processInbound (and so
 * stored and applied in one transaction) before the poller deletes or moves it. `pollOnce` is
 * one poll of one mailbox (`postroom mailbox poll`); `startMailboxPollers` runs every active
 * mailbox on its interval while `postroom serve` runs, noticing mailboxes added, changed or
 * removed within a minute.
 */
import type { MailboxRow } from '../store/index.js';
import type { SecretBox } from '../servers/index.js';
import { pollMailbox, startMailboxPoller, MailboxError, type PollOutcome, type PollResult } from './mailbox-poller.js';
import { mailboxConfig } from './manage-mailboxes.js';
import { processInbound, type InboundContext } from './process-inbound.js';

export type PollContext = InboundContext & { secrets: SecretBox };

const handler = (ctx: PollContext, row: MailboxRow) => async (raw: Buffer): Promise<void> => {
  await processInbound(ctx, { raw, source: `mailbox:${row.name}`, clientIp: null, mailFrom: null, rcptTo: [] });
};

function describe(outcome: PollOutcome): string {
  if (!outcome.ok) return `failed at ${outcome.error.step}: ${outcome.error.message}`;
  const r = outcome.result;
  return `${r.processed} processed${r.failed ? `, ${r.failed} failed (${r.errors.slice(0, 3).join('; ')})` : ''}`;
}

async function note(ctx: PollContext, row: MailboxRow, outcome: PollOutcome): Promise<void> {
  await ctx.store.db.updateTable('mailboxes').set({ last_polled_at: ctx.clock.now(), last_result: describe(outcome).slice(0, 1000) }).where('id', '=', row.id).execute();
}

export async function pollOnce(ctx: PollContext, row: MailboxRow): Promise<PollOutcome> {
  let outcome: PollOutcome;
  try {
    const result: PollResult = await pollMailbox(mailboxConfig(row, ctx.secrets), handler(ctx, row));
    outcome = { ok: true, result };
  } catch (error) {
    if (!(error instanceof MailboxError)) throw error;
    outcome = { ok: false, error };
  }
  await note(ctx, row, outcome);
  return outcome;
}

export function startMailboxPollers(ctx: PollContext): { stop(): Promise<void> } {
  const running = new Map<string, { stamp: number; poller: { stop(): Promise<void> } }>();
  const sync = async (): Promise<void> => {
    const rows = await ctx.store.db.selectFrom('mailboxes').selectAll().where('active', '=', 1).execute();
    const wanted = new Map(rows.map((r) => [r.id, r]));
    for (const [id, entry] of running) {
      if (wanted.get(id)?.updated_at === entry.stamp) continue;
      running.delete(id);
      await entry.poller.stop();
    }
    for (const row of rows) {
      if (running.has(row.id)) continue;
      const poller = startMailboxPoller(mailboxConfig(row, ctx.secrets), handler(ctx, row), {
        intervalMs: row.interval_seconds * 1000,
        log: ctx.log,
        onResult: (outcome) => void note(ctx, row, outcome).catch((error: unknown) => ctx.log.error({ err: error }, 'could not record a mailbox poll')),
      });
      running.set(row.id, { stamp: row.updated_at, poller });
    }
  };
  const tick = (): void => void sync().catch((error: unknown) => ctx.log.error({ err: error }, 'could not read the mailboxes to poll'));
  tick();
  const timer = setInterval(tick, 60_000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await Promise.all([...running.values()].map((e) => e.poller.stop()));
      running.clear();
    },
  };
}
