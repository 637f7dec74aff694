/**
 * Adaptive throttling against fake provider servers: a real SMTP server answers with each
 * provider's rate-limit answer once (rules/smtp-answers.txt), and the worker slows the server
 * down or pauses it as the rules say, resumes, and delivers every message without spending an
 * attempt. Time moves on a manual clock, so a one-day pause is tested without waiting a day.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, simpleMessage, smtpServer, type Engine } from '../helpers/engine.js';
import { startSink, type Sink } from '../helpers/smtp-sink.js';
import { testDatabaseKinds } from '../helpers/databases.js';
import { manualClock, type ManualClock } from '../helpers/manual-clock.js';

interface ProviderAnswer {
  provider: string;
  at: 'mail' | 'rcpt' | 'data';
  code: number;
  text: string;
  action: 'slow-down' | 'pause';
  /** The pause the rule gives. */
  pauseMs?: number;
  /** How long one slow-down level lasts under the rule (10 minutes unless it says). */
  slowMs?: number;
}

const HOUR = 3_600_000;
/**
 * The manual clock jumps hours at a time while sends are under way; a lease that lapsed in one
 * jump would let the worker claim a message still being sent and send it twice.
 */
const LEASE_MS = 60 * 24 * HOUR;
const ANSWERS: ProviderAnswer[] = [
  { provider: 'Gmail', at: 'mail', code: 421, text: '4.7.0 Try again later, closing connection. (MAIL) x12si123.25 - gsmtp', action: 'slow-down' },
  { provider: 'Gmail', at: 'rcpt', code: 450, text: '4.7.28 Our system has detected an unusual rate of unsolicited mail originating from your IP address.', action: 'pause', pauseMs: HOUR },
  { provider: 'Gmail', at: 'mail', code: 550, text: '5.4.5 Daily user sending limit exceeded. For more information on Gmail sending limits go to https://support.google.com/a/answer/166852', action: 'pause', pauseMs: 24 * HOUR },
  { provider: 'Microsoft', at: 'mail', code: 432, text: '4.3.2 STOREDRV.ClientSubmit; sender thread limit exceeded [Hostname=AM0PR01MB1234]', action: 'slow-down' },
  { provider: 'Microsoft', at: 'data', code: 554, text: '5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException; Failed to process message due to a permanent exception', action: 'pause', pauseMs: 24 * HOUR },
  { provider: 'Microsoft', at: 'rcpt', code: 451, text: '4.7.500 Server busy. Please try again later from [192.0.2.10]. (S77719) [AM2PEPF0001.eurprd04.prod.outlook.com]', action: 'pause', pauseMs: HOUR / 4 },
  { provider: 'Yahoo', at: 'mail', code: 421, text: '4.7.0 [TS01] Messages from 192.0.2.10 temporarily deferred due to user complaints - 4.16.55.1', action: 'pause', pauseMs: HOUR },
  { provider: 'Yahoo', at: 'mail', code: 421, text: '4.7.0 [TS02] Messages from 192.0.2.10 temporarily deferred due to user complaints - 4.16.55.1', action: 'pause', pauseMs: HOUR },
  { provider: 'Yahoo', at: 'mail', code: 553, text: '5.7.1 [TS03] All messages from 192.0.2.10 will be permanently deferred; Retrying will NOT succeed.', action: 'pause', pauseMs: 24 * HOUR },
  { provider: 'Yahoo', at: 'mail', code: 421, text: '4.7.0 [TSS04] Messages from 192.0.2.10 temporarily deferred due to unexpected volume or user complaints', action: 'slow-down', slowMs: HOUR / 2 },
  { provider: 'Amazon SES', at: 'mail', code: 454, text: 'Throttling failure: Maximum sending rate exceeded.', action: 'slow-down' },
];

describe.each(testDatabaseKinds())('adaptive throttling on %s', (kind) => {
  let engine: Engine;
  let sink: Sink;
  afterEach(async () => {
    await engine?.close();
    await sink?.close();
  });

  async function serverRow() {
    return engine.app.store.db.selectFrom('servers').selectAll().executeTakeFirstOrThrow();
  }

  /**
   * Moves the clock on in `stepMs` steps until every message is sent. Bounded in real time, not
   * in steps: under a full suite's load a session takes longer, and a count of steps ran out
   * with a message still being sent.
   */
  async function runUntilSent(clock: ManualClock, ids: string[], stepMs: number): Promise<void> {
    const deadline = Date.now() + 45_000;
    while (Date.now() < deadline) {
      const rows = await engine.app.store.db.selectFrom('messages').select('status').where('id', 'in', ids).execute();
      if (rows.every((r) => r.status === 'sent')) return;
      clock.advance(stepMs);
      await new Promise((r) => setTimeout(r, 20));
    }
    await engine.waitForStatus(ids, ['sent'], 1_000);
  }

  for (const a of ANSWERS) {
    it(`${a.provider} "${a.code} ${a.text.slice(0, 48)}…" → ${a.action}${a.pauseMs ? ` for ${a.pauseMs / HOUR} h` : ''}, then everything delivered without spending attempts`, async () => {
      const clock = manualClock();
      let refused = 0;
      const refuseOnce = () => (refused++ < 1 ? { code: a.code, text: a.text } : undefined);
      sink = await startSink({ script: a.at === 'data' ? { data: refuseOnce } : { [a.at]: refuseOnce } });
      engine = await createEngine(kind, { clock, worker: { defaultMaxConcurrent: 4, leaseMs: LEASE_MS } });
      await engine.addServer(smtpServer(sink.port, { name: 'provider' }));
      const ids: string[] = [];
      for (let n = 1; n <= 4; n++) ids.push(await engine.enqueue(simpleMessage(n)));
      const heardAt = clock.now();
      engine.startWorker();

      // The answer is heard: the server is paused or slowed down, in the database for every worker.
      let row = await serverRow();
      for (let i = 0; i < 500 && row.paused_until === null && row.throttle_level === 0; i++) {
        await new Promise((r) => setTimeout(r, 10));
        row = await serverRow();
      }
      if (a.action === 'pause') {
        expect(row.paused_until! - heardAt).toBeGreaterThanOrEqual(a.pauseMs! - 1000);
        expect(row.paused_until! - heardAt).toBeLessThanOrEqual(a.pauseMs! + 1000);
        expect(row.pause_reason).toContain(a.text.slice(0, 30));
        expect(row.throttle_level).toBe(0);
      } else {
        expect(row.paused_until).toBeNull();
        expect(row.throttle_level).toBe(1);
        expect(row.throttle_rate).toBeGreaterThanOrEqual(1);
        expect(row.throttle_reason).toContain(a.text.slice(0, 30));
      }

      await runUntilSent(clock, ids, a.pauseMs ? a.pauseMs / 4 : 20_000);
      for (const id of ids) {
        const { recipients, events } = await engine.message(id);
        expect(recipients[0]).toMatchObject({ status: 'sent', attempts: 1 });
        expect(events.map((e) => e.type)).not.toContain('deferred');
        expect(events.map((e) => e.type)).not.toContain('failed');
      }
      const held = (await engine.app.store.db.selectFrom('events').select('detail').where('type', '=', 'held').execute()).map((e) => e.detail);
      expect(held.length).toBeGreaterThan(0);
      expect(held[0]).toMatch(a.action === 'pause' ? /^server resting: / : /^server slowing down: /);
      expect(sink.messages).toHaveLength(4);

      // The gradual return: a slow-down steps back one level per quiet period (10 minutes by default).
      if (a.action === 'slow-down') {
        clock.advance((a.slowMs ?? 10 * 60_000) + 60_000);
        const later = await engine.enqueue(simpleMessage(9));
        await runUntilSent(clock, [later], 1_000);
        expect((await serverRow()).throttle_level).toBe(0);
      } else {
        expect((await serverRow()).pause_count).toBe(0);
      }
    }, 120_000);
  }

  it('a slow-down sets the rate to half of what was being sent', async () => {
    const clock = manualClock();
    let refused = 0;
    sink = await startSink({ dataDelayMs: 30, script: { mail: (_from, n) => (n.messages >= 20 && refused++ < 1 ? { code: 454, text: 'Throttling failure: Maximum sending rate exceeded.' } : undefined) } });
    engine = await createEngine(kind, { clock, worker: { leaseMs: LEASE_MS } });
    await engine.addServer(smtpServer(sink.port, { name: 'ses', maxConcurrent: 8 }));
    const ids: string[] = [];
    for (let n = 1; n <= 40; n++) ids.push(await engine.enqueue(simpleMessage(n)));
    const worker = engine.startWorker();
    let row = await serverRow();
    for (let i = 0; i < 1000 && row.throttle_level === 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
      row = await serverRow();
    }
    expect(row.throttle_level).toBe(1);
    // 20 to 28 were sent in the minute before (20 before the answer, up to 8 sessions finishing
    // theirs); half of that is the new rate.
    expect(row.throttle_rate).toBeGreaterThanOrEqual(9);
    expect(row.throttle_rate).toBeLessThanOrEqual(16);
    await runUntilSent(clock, ids, 15_000);
    expect(sink.messages).toHaveLength(40);
    await worker.stop();
  }, 120_000);
});
