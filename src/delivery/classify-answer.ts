/**
 * Reads what an SMTP answer means for a recipient, from the commented rules in
 * `rules/smtp-answers.txt` (and a user's own `smtp-answers.txt` in the data directory): give up,
 * try again later, or — when a provider asks for it — slow down or pause, for how long.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../lib/package-root.js';
import type { SmtpAnswer } from '../lib/smtp-answer.js';

export type AnswerClass = 'slow-down' | 'pause' | 'temporary' | 'permanent';

/** What an answer means: its class, and for slow-down and pause how long (null: the default). */
export interface AnswerVerdict {
  answerClass: AnswerClass;
  durationMs: number | null;
  source: string | null;
}

export interface AnswerRule {
  answerClass: AnswerClass;
  durationMs: number | null;
  code: RegExp;
  enhanced: RegExp | null;
  text: RegExp | null;
  source: string;
}

export function parseAnswerRules(text: string, source: string): AnswerRule[] {
  const rules: AnswerRule[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    const content = line.replace(/^\s*#.*$/, '').trim();
    if (!content) return;
    const match = /^(slow-down|pause|rate-limit|temporary|permanent)(?:\/(\d+)([smhd]))?\s+(\S+)\s+(\S+)\s+(.+)$/.exec(content);
    if (!match) throw new Error(`${source}:${index + 1}: expected CLASS[/DURATION] CODE ENHANCED TEXT`);
    const [, name, amount, unit, code, enhanced, pattern] = match as unknown as [string, string, string | undefined, string | undefined, string, string, string];
    // `rate-limit` is the older name of `pause`, kept so users' own files still read.
    const answerClass: AnswerClass = name === 'rate-limit' ? 'pause' : (name as AnswerClass);
    if (amount && (answerClass === 'temporary' || answerClass === 'permanent')) {
      throw new Error(`${source}:${index + 1}: only slow-down and pause take a duration`);
    }
    try {
      rules.push({
        answerClass,
        durationMs: amount && unit ? Number(amount) * UNIT_MS[unit]! : null,
        code: wildcard(code, /^[\d*]{3}$/),
        enhanced: enhanced === '*' ? null : wildcard(enhanced, /^[\d*]+\.[\d*]+\.[\d*]+$/),
        text: pattern === '*' ? null : new RegExp(pattern, 'i'),
        source: `${source}:${index + 1}`,
      });
    } catch (error) {
      throw new Error(`${source}:${index + 1}: ${(error as Error).message}`, { cause: error });
    }
  });
  return rules;
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

function wildcard(value: string, shape: RegExp): RegExp {
  if (!shape.test(value)) throw new Error(`"${value}" is not a code pattern`);
  return new RegExp(`^${value.replace(/\./g, '\\.').replace(/\*/g, '\\d+')}$`);
}

/** The built-in rules, then the data directory's own, which take precedence. */
export function loadAnswerRules(dataDir: string | null): AnswerRule[] {
  const builtIn = path.join(packageRoot(), 'rules', 'smtp-answers.txt');
  const rules = parseAnswerRules(readFileSync(builtIn, 'utf8'), 'rules/smtp-answers.txt');
  const own = dataDir ? path.join(dataDir, 'smtp-answers.txt') : null;
  if (own && existsSync(own)) return [...parseAnswerRules(readFileSync(own, 'utf8'), own), ...rules];
  return rules;
}

export function classifyAnswer(rules: readonly AnswerRule[], answer: SmtpAnswer): AnswerClass {
  return readAnswer(rules, answer).answerClass;
}

export function readAnswer(rules: readonly AnswerRule[], answer: SmtpAnswer): AnswerVerdict {
  const code = String(answer.code);
  for (const rule of rules) {
    if (!rule.code.test(code)) continue;
    if (rule.enhanced && !(answer.enhanced && rule.enhanced.test(answer.enhanced))) continue;
    if (rule.text && !rule.text.test(answer.text)) continue;
    return { answerClass: rule.answerClass, durationMs: rule.durationMs, source: rule.source };
  }
  return { answerClass: answer.code >= 500 ? 'permanent' : 'temporary', durationMs: null, source: null };
}

/** Slow-down and pause are the provider asking us to back off: the message waits without spending an attempt. */
export const isThrottle = (c: AnswerClass): c is 'slow-down' | 'pause' => c === 'slow-down' || c === 'pause';
