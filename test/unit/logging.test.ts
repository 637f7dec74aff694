/**
 * Logs: one JSON object per line with the message id, the recipient's domain (the whole address
 * only at debug), the server, the outcome and the SMTP answer; secrets replaced wherever a caller
 * put them; readable lines for a person at a terminal.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { addressForLog, createLogger } from '../../src/app/create-logger.js';
import { createEngine, simpleMessage, smtpServer } from '../helpers/engine.js';
import { startSink } from '../helpers/smtp-sink.js';

function capture(): { stream: Writable; lines(): Array<Record<string, unknown>>; text(): string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text, lines: () => text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('logs', () => {
  it('replace secrets at any depth a caller nests them', () => {
    const out = capture();
    const log = createLogger({ level: 'info', format: 'json', destination: out.stream });
    log.info({ password: 'hunter2', server: { name: 'Office', password: 'p4ss', oauth: { refreshToken: 'rt-1', accessToken: 'at-1' } }, headers: { authorization: 'Bearer pr_secret' }, apiKey: 'pr_key' }, 'server changed');
    expect(out.text()).not.toMatch(/hunter2|p4ss|rt-1|at-1|pr_secret|pr_key/);
    expect(out.lines()[0]).toMatchObject({ msg: 'server changed', password: '[redacted]', server: { name: 'Office', password: '[redacted]', oauth: { refreshToken: '[redacted]' } } });
  });

  it('show a recipient by domain unless debugging', () => {
    const info = createLogger({ level: 'info', format: 'json', destination: capture().stream });
    const debug = createLogger({ level: 'debug', format: 'json', destination: capture().stream });
    expect(addressForLog(info, 'anna@example.org')).toBe('example.org');
    expect(addressForLog(debug, 'anna@example.org')).toBe('anna@example.org');
  });

  it('are readable lines, not JSON, when asked to be pretty (at a terminal)', () => {
    const out = capture();
    const log = createLogger({ level: 'info', format: 'pretty', destination: out.stream });
    log.info({ message: 'msg_1', password: 'hunter2' }, 'delivered');
    expect(out.text()).toContain('delivered');
    expect(out.text()).toContain('msg_1');
    expect(out.text()).not.toContain('hunter2');
    expect(() => JSON.parse(out.text().trim())).toThrow();
  });

  for (const level of ['info', 'debug'] as const) {
    it(`record each outcome with message id, domain, server and answer (${level})`, async () => {
      const sink = await startSink({ script: { rcpt: (to) => (to.startsWith('gone') ? { code: 550, text: '5.1.1 No such user' } : undefined) } });
      const out = capture();
      const engine = await createEngine('sqlite', { log: createLogger({ level, format: 'json', destination: out.stream }) });
      try {
        await engine.addServer(smtpServer(sink.port, { name: 'outbound' }));
        const sent = await engine.enqueue(simpleMessage(1));
        const bounced = await engine.enqueue({ ...simpleMessage(2), to: ['gone@example.net'] });
        engine.startWorker();
        await engine.waitForStatus([sent, bounced], ['sent', 'bounced', 'failed']);
        await engine.close();
        const outcomes = out.lines().filter((l) => l.message === sent || l.message === bounced);
        expect(outcomes.map((l) => [l.message, l.domain, l.server, l.outcome, l.code])).toEqual(
          expect.arrayContaining([
            [sent, expect.any(String), 'outbound', 'delivered', 250],
            [bounced, 'example.net', 'outbound', expect.stringMatching(/bounced|failed/), 550],
          ]),
        );
        expect(outcomes.find((l) => l.message === bounced)).toMatchObject({ enhanced: '5.1.1', response: 'No such user' });
        if (level === 'info') expect(out.text()).not.toContain('gone@example.net');
        else expect(outcomes.find((l) => l.message === bounced)!.recipient).toBe('gone@example.net');
      } finally {
        await sink.close();
      }
    });
  }
});
