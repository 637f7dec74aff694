import { describe, expect, it } from 'vitest';
import { QuotaLedger, Semaphore } from '../../src/throttle/index.js';
import { classifyAnswer, loadAnswerRules, parseAnswerRules, readAnswer } from '../../src/delivery/classify-answer.js';
import { parseSmtpAnswer } from '../../src/lib/smtp-answer.js';
import { createSecretBox } from '../../src/servers/secret-box.js';
import { retryDelay } from '../../src/spool/backoff.js';
import { randomBytes } from 'node:crypto';

describe('quota ledger', () => {
  it('allows N per sliding window and says when the next slot frees', () => {
    const ledger = new QuotaLedger([{ name: 'minute', limit: 3, windowMs: 60_000 }]);
    expect(ledger.take(0).ok).toBe(true);
    expect(ledger.take(10_000).ok).toBe(true);
    expect(ledger.take(20_000).ok).toBe(true);
    expect(ledger.take(30_000)).toEqual({ ok: false, until: 60_000, reason: 'quota of 3 per minute reached' });
    expect(ledger.take(60_000).ok).toBe(true);
    expect(ledger.take(65_000)).toMatchObject({ ok: false, until: 70_000 });
  });

  it('counts recipients and applies the tightest of several windows', () => {
    const ledger = new QuotaLedger([
      { name: 'minute', limit: 10, windowMs: 60_000 },
      { name: 'hour', limit: 12, windowMs: 3_600_000 },
    ]);
    expect(ledger.take(0, 8).ok).toBe(true);
    expect(ledger.take(1_000, 3)).toMatchObject({ ok: false, until: 60_000, reason: 'quota of 10 per minute reached' });
    expect(ledger.take(60_000, 5)).toMatchObject({ ok: false, until: 3_600_000, reason: 'quota of 12 per hour reached' });
    expect(ledger.take(60_000, 4).ok).toBe(true);
    expect(ledger.take(61_000, 1)).toMatchObject({ ok: false, until: 3_600_000 });
  });

});

describe('semaphore', () => {
  it('never lets more than its size in, and hands slots over in order', async () => {
    const gate = new Semaphore(2);
    let inside = 0;
    let most = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const release = await gate.acquire();
        inside += 1;
        most = Math.max(most, inside);
        order.push(i);
        await new Promise((r) => setTimeout(r, 2));
        inside -= 1;
        release();
        release(); // a second release is ignored
      }),
    );
    expect(most).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(gate.inUse()).toBe(0);
  });
});

describe('SMTP answers', () => {
  const rules = loadAnswerRules(null);
  const cases: Array<[string, string]> = [
    ['421 4.7.0 Too many connections', 'pause'],
    ['421 4.7.0 Try again later, closing connection.', 'slow-down'],
    ['450 4.7.28 Our system has detected an unusual rate of unsolicited mail', 'pause'],
    ['451 4.7.500 Server busy. Please try again later', 'pause'],
    ['421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume', 'slow-down'],
    ['550 5.4.5 Daily user sending limit exceeded', 'pause'],
    ['454 Throttling failure: Maximum sending rate exceeded.', 'slow-down'],
    ['451 4.3.0 Temporary local problem', 'temporary'],
    ['452 4.2.2 Mailbox full', 'temporary'],
    ['550 5.7.1 Greylisted, please try again later', 'temporary'],
    ['550 5.1.1 User unknown', 'permanent'],
    ['554 Transaction failed', 'permanent'],
  ];
  it.each(cases)('%s → %s', (response, expected) => {
    expect(classifyAnswer(rules, parseSmtpAnswer(response))).toBe(expected);
  });

  it('parses multi-line answers with their enhanced code', () => {
    expect(parseSmtpAnswer('550-5.1.1 The email account that you tried to reach does not exist.\r\n550 5.1.1 Please try again.')).toEqual({
      code: 550,
      enhanced: '5.1.1',
      text: 'The email account that you tried to reach does not exist. 5.1.1 Please try again.',
    });
  });

  it('reports a bad rule with its file and line', () => {
    expect(() => parseAnswerRules('# comment\nrate-limit 4x1 * *\n', 'mine.txt')).toThrow(/mine.txt:2: "4x1" is not a code pattern/);
    expect(() => parseAnswerRules('slow 421 * *\n', 'mine.txt')).toThrow(/mine.txt:1: expected CLASS\[\/DURATION\] CODE ENHANCED TEXT/);
    expect(() => parseAnswerRules('temporary/1h 421 * *\n', 'mine.txt')).toThrow(/mine.txt:1: only slow-down and pause take a duration/);
  });

  it('reads durations, and the older class name rate-limit as pause', () => {
    const mine = parseAnswerRules('pause/90s 421 * *\nslow-down/2h 4** 4.7.0 *\nrate-limit 451 * *\n', 'mine');
    expect(readAnswer(mine, parseSmtpAnswer('421 bye'))).toEqual({ answerClass: 'pause', durationMs: 90_000, source: 'mine:1' });
    expect(readAnswer(mine, parseSmtpAnswer('450 4.7.0 later'))).toEqual({ answerClass: 'slow-down', durationMs: 7_200_000, source: 'mine:2' });
    expect(readAnswer(mine, parseSmtpAnswer('451 busy'))).toEqual({ answerClass: 'pause', durationMs: null, source: 'mine:3' });
  });

  it('lets an operator rule win over the built-in ones', () => {
    const mine = [...parseAnswerRules('permanent 421 * *', 'mine'), ...rules];
    expect(classifyAnswer(mine, parseSmtpAnswer('421 bye'))).toBe('permanent');
  });
});

describe('secrets and backoff', () => {
  it('seals and opens secrets; a different key cannot open them', () => {
    const box = createSecretBox(randomBytes(32));
    const sealed = box.seal('hunter2');
    expect(sealed).not.toContain('hunter2');
    expect(box.open(sealed)).toBe('hunter2');
    expect(() => createSecretBox(randomBytes(32)).open(sealed)).toThrow(/cannot decrypt/);
  });

  it('backs off from about a minute, doubling up to the ceiling', () => {
    const retry = { firstDelayMs: 60_000, maxDelayMs: 4 * 3_600_000 };
    const mid = () => 0.5;
    expect(retryDelay(1, retry, mid)).toBe(60_000);
    expect(retryDelay(2, retry, mid)).toBe(120_000);
    expect(retryDelay(5, retry, mid)).toBe(960_000);
    expect(retryDelay(20, retry, mid)).toBe(4 * 3_600_000);
    expect(retryDelay(1, retry, () => 0)).toBe(54_000);
  });
});
