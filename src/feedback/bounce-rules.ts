/**
 * The bounce rules: the commented data file `rules/bounces.txt` (its header explains the format)
 * and a user's own `bounces.txt` in the data directory, read into compiled rules once; and
 * classifyBounce, which names the reason a recipient failed from what the receiving side said
 * (reply code, enhanced status code, text). It serves bounce messages and synchronous 4xx/5xx
 * answers during delivery alike, so those three facts are all it needs.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../lib/package-root.js';
import { judgeBounce } from './judge-bounce.js';
import { BOUNCE_REASONS, isBounceReason } from './status-codes.js';
import type { BounceFacts, BounceReason } from './types.js';

/** `REASON CODE ENHANCED TEXT`: the first that matches names the reason. */
export interface ReasonRule {
  kind: 'reason';
  reason: BounceReason;
  /** `weak REASON …`: broad words, which more text about the same recipient may overrule. */
  weak: boolean;
  code: RegExp | null;
  enhanced: RegExp | null;
  text: RegExp | null;
  source: string;
}

/** `hard REASON CLASS` / `soft REASON CLASS`: the first that matches decides hard or soft. */
export interface HardnessRule {
  kind: 'hardness';
  reason: BounceReason;
  hard: boolean;
  /** The status class (first digit of the enhanced or reply code) the line is limited to. */
  statusClass: '2' | '4' | '5' | null;
  source: string;
}

/** `at STAGE ENHANCED REASON OTHER`: a REASON found in the answer to STAGE is taken to mean OTHER. */
export interface StageRule {
  kind: 'stage';
  stage: string;
  /** The status codes the line applies to (null: any); `negate` turns it into "all but these". */
  enhanced: RegExp | null;
  negate: boolean;
  reason: BounceReason;
  becomes: BounceReason;
  source: string;
}

export type BounceRule = ReasonRule | HardnessRule | StageRule;

export interface BounceVerdict {
  reason: BounceReason;
  hard: boolean;
  /** `file:line` of the rule that named the reason, null when none did. */
  rule: string | null;
}

export function parseBounceRules(text: string, source: string): BounceRule[] {
  const rules: BounceRule[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    const content = line.replace(/^\s*#.*$/, '').trim();
    if (!content) return;
    const where = `${source}:${index + 1}`;
    try {
      rules.push(parseLine(content, where));
    } catch (error) {
      throw new Error(`${where}: ${(error as Error).message}`, { cause: error });
    }
  });
  return rules;
}

function parseLine(content: string, where: string): BounceRule {
  const stage = /^at\s+(\S+)\s+(!?)(\S+)\s+(\S+)\s+(\S+)$/.exec(content);
  if (stage) {
    const [, command, not, enhanced, reason, becomes] = stage as unknown as [string, string, string, string, string, string];
    if (!/^(CONNECT|EHLO|MAIL|RCPT|DATA)$/i.test(command)) throw new Error(`"${command}" is not a stage (CONNECT, EHLO, MAIL, RCPT, DATA)`);
    return {
      kind: 'stage',
      stage: command.toUpperCase(),
      enhanced: enhanced === '*' ? null : wildcard(enhanced, /^[\d*]+\.[\d*]+\.[\d*]+$/, '\\d+'),
      negate: not === '!',
      reason: checkReason(reason),
      becomes: checkReason(becomes),
      source: where,
    };
  }
  const hardness = /^(hard|soft)\s+(\S+)\s+(\S+)$/.exec(content);
  if (hardness) {
    const [, word, reason, statusClass] = hardness as unknown as [string, string, string, string];
    if (!/^[245*]$/.test(statusClass)) throw new Error(`"${statusClass}" is not a status class (2, 4, 5 or *)`);
    return { kind: 'hardness', reason: checkReason(reason), hard: word === 'hard', statusClass: statusClass === '*' ? null : (statusClass as '2' | '4' | '5'), source: where };
  }
  const match = /^(weak\s+)?(\S+)\s+(\S+)\s+(\S+)\s+(.+)$/.exec(content);
  if (!match) throw new Error('expected [weak] REASON CODE ENHANCED TEXT, hard|soft REASON CLASS, or at STAGE ENHANCED REASON OTHER');
  const [, weak, reason, code, enhanced, pattern] = match as unknown as [string, string | undefined, string, string, string, string];
  return {
    kind: 'reason',
    reason: checkReason(reason),
    weak: Boolean(weak),
    code: code === '*' ? null : wildcard(code, /^[\d*]{3}$/, '\\d'),
    enhanced: enhanced === '*' ? null : wildcard(enhanced, /^[\d*]+\.[\d*]+\.[\d*]+$/, '\\d+'),
    text: pattern === '*' ? null : new RegExp(pattern, 'i'),
    source: where,
  };
}

function checkReason(word: string): BounceReason {
  if (!isBounceReason(word)) throw new Error(`"${word}" is not a reason (${BOUNCE_REASONS.join(', ')})`);
  return word;
}

/** `5**` or `5.7.6*`: a `*` is one digit of a reply code, or any digits of a status code part. */
function wildcard(value: string, shape: RegExp, any: string): RegExp {
  if (!shape.test(value)) throw new Error(`"${value}" is not a code pattern`);
  return new RegExp(`^${value.replace(/\./g, '\\.').replace(/\*/g, any)}$`);
}

/** The built-in rules, after the data directory's own `bounces.txt`, which therefore wins. */
export function loadBounceRules(dataDir: string | null): BounceRule[] {
  const builtIn = path.join(packageRoot(), 'rules', 'bounces.txt');
  const rules = parseBounceRules(readFileSync(builtIn, 'utf8'), 'rules/bounces.txt');
  const own = dataDir ? path.join(dataDir, 'bounces.txt') : null;
  if (own && existsSync(own)) return [...parseBounceRules(readFileSync(own, 'utf8'), own), ...rules];
  return rules;
}

/** Why a recipient failed, and whether that is a hard bounce, from the answer's code, status and text. */
export function classifyBounce(rules: readonly BounceRule[], facts: BounceFacts): BounceVerdict {
  const { reason, hard, rule } = judgeBounce(rules, facts);
  return { reason, hard, rule: rule?.source ?? null };
}
