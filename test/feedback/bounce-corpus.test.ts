/**
 * readFeedback over sisimai's set of real bounces (shared/corpora/bounces, BSD-2-Clause): every
 * message, compared row by row (recipient index within the message) with sisimai's verdicts in
 * expected.json. Prints the reason and hard/soft accuracy and a table of the misses; fails below
 * 85% reason and 95% hard/soft.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBounceRules, type BounceRule } from '../../src/feedback/bounce-rules.js';
import { readFeedback } from '../../src/feedback/read-report.js';
import type { FeedbackReport } from '../../src/feedback/types.js';

const CORPUS = path.resolve(import.meta.dirname, '../../../shared/corpora/bounces');
if (!existsSync(CORPUS)) throw new Error(`the public test data is missing: ${CORPUS} (the shared/ folder must sit beside the checkout)`);

interface ExpectedRow {
  file: string;
  index: number;
  status: string;
  replycode: string;
  reason: string;
  hardbounce: boolean;
  feedbacktype: string;
}

const expected = JSON.parse(readFileSync(path.join(CORPUS, 'expected.json'), 'utf8')) as ExpectedRow[];

describe('bounce corpus', () => {
  let rules: BounceRule[];
  const reports = new Map<string, FeedbackReport>();
  let msPerMessage = 0;
  beforeAll(async () => {
    rules = loadBounceRules(null);
    const files = [...new Set(expected.map((row) => row.file))];
    const raws = files.map((file) => readFileSync(path.join(CORPUS, file)));
    const started = performance.now();
    for (const [i, file] of files.entries()) reports.set(file, await readFeedback(raws[i]!, rules));
    msPerMessage = (performance.now() - started) / files.length;
  });

  it('classifies reason and hard/soft like the reference', () => {
    let reasonHits = 0;
    let hardHits = 0;
    const misses: string[] = [];
    for (const row of expected) {
      const got = reports.get(row.file)!.recipients[row.index - 1];
      const reasonOk = got?.reason === row.reason;
      const hardOk = (got?.hard ?? null) === row.hardbounce;
      if (reasonOk) reasonHits++;
      if (hardOk) hardHits++;
      if (!reasonOk || !hardOk) {
        const want = `${row.reason}/${row.hardbounce ? 'hard' : 'soft'}`;
        const have = got ? `${got.reason}/${got.hard ? 'hard' : 'soft'}` : '(no row)';
        misses.push(`  ${`${path.basename(row.file)}#${row.index}`.padEnd(32)} ${want.padEnd(22)} ${have.padEnd(22)} ${(got?.diagnostic ?? '').slice(0, 90)}`);
      }
    }
    const total = expected.length;
    const percent = (hits: number) => ((hits / total) * 100).toFixed(1);
    console.log(`bounce corpus: ${total} rows, reason ${percent(reasonHits)}% (${reasonHits}), hard/soft ${percent(hardHits)}% (${hardHits}); ${msPerMessage.toFixed(1)} ms per message`);
    if (misses.length) console.log(`misses (file#recipient, expected, got, diagnostic):\n${misses.join('\n')}`);
    expect(reasonHits / total).toBeGreaterThanOrEqual(0.85);
    expect(hardHits / total).toBeGreaterThanOrEqual(0.95);
  });

  it('reads complaints as complaints, with their feedback type', () => {
    for (const row of expected.filter((r) => r.feedbacktype)) {
      const report = reports.get(row.file)!;
      expect(report.kind, row.file).toBe('complaint');
      expect(report.feedbackType, row.file).toBe(row.feedbacktype);
    }
  });

  it('gives every report at least one row', () => {
    for (const [file, report] of reports) expect(report.recipients.length, file).toBeGreaterThan(0);
  });
});
