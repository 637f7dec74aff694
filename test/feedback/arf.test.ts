/**
 * ARF (RFC 5965) complaint reports from Stalwart's test set (shared/corpora/arf-stalwart,
 * Apache-2.0/MIT): each parses to the feedback type, original recipient, original Message-ID and
 * source IP that Stalwart's own parser found (NNN.json beside NNN.eml).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBounceRules } from '../../src/feedback/bounce-rules.js';
import { readFeedback } from '../../src/feedback/read-report.js';

const CORPUS = path.resolve(import.meta.dirname, '../../../shared/corpora/arf-stalwart');
if (!existsSync(CORPUS)) throw new Error(`the public test data is missing: ${CORPUS} (the shared/ folder must sit beside the checkout)`);

interface StalwartArf {
  feedback_type: string;
  original_rcpt_to: string | null;
  original_mail_from: string | null;
  source_ip: string | null;
  reported_domain: string[];
}

/** Stalwart spells types in CamelCase ("AuthFailure"); RFC 5965 §7.3 registers "auth-failure". */
const arfType = (camel: string) => camel.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
const bare = (address: string | null) => address?.replace(/^<|>$/g, '').toLowerCase() ?? null;

/** The original's Message-ID, as its copy in the report spells it (without angle brackets). */
function messageIdIn(eml: string): string | null {
  const copy = eml.slice(eml.search(/^Content-Type:\s*(message\/rfc822|text\/rfc822-headers)/im));
  const match = /^Message-ID:\s*<?([^>\r\n]+)>?/im.exec(copy);
  return match ? match[1]!.trim() : null;
}

describe('ARF complaint reports', () => {
  const rules = loadBounceRules(null);
  const names = readdirSync(CORPUS).filter((name) => name.endsWith('.eml')).sort();

  it('has the five reports', () => expect(names).toHaveLength(5));

  for (const name of names) {
    it(`reads ${name}`, async () => {
      const raw = readFileSync(path.join(CORPUS, name));
      const want = JSON.parse(readFileSync(path.join(CORPUS, name.replace('.eml', '.json')), 'utf8')) as StalwartArf;
      const report = await readFeedback(raw, rules);
      expect(report.kind).toBe('complaint');
      expect(report.feedbackType).toBe(arfType(want.feedback_type));
      expect(report.sourceIp).toBe(want.source_ip);
      expect(report.reportedDomain).toBe(want.reported_domain[0] ?? null);
      expect(report.originalEnvelopeFrom).toBe(bare(want.original_mail_from));
      expect(report.originalMessageId).toBe(messageIdIn(raw.toString('utf8')));
      for (const row of report.recipients) expect(row).toMatchObject({ reason: 'feedback', hard: false });
      // Original-Rcpt-To when the report has it; otherwise the copy's To (RFC 5965 §3.2 makes it optional).
      if (want.original_rcpt_to) expect(report.recipients.map((r) => r.recipient)).toEqual([bare(want.original_rcpt_to)]);
      else expect(report.recipients.length).toBeGreaterThan(0);
    });
  }

  it('names the recipient from the copy when Original-Rcpt-To is missing', async () => {
    const report = await readFeedback(readFileSync(path.join(CORPUS, '005.eml')), rules);
    expect(report.recipients.map((r) => r.recipient)).toEqual(['someuser@receiver.example']);
    expect(report.originalMessageId).toBe('87913910.1318094604546@out.sender.example');
  });
});
