/**
 * Reads what an SMTP answer means for a recipient, from the commented rules in
 * `rules/smtp-answers.txt` (and a user's own `smtp-answers.txt` in the data directory).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../lib/package-root.js';
import type { SmtpAnswer } from '../lib/smtp-answer.js';

export type AnswerClass = 'rate-limit' | 'temporary' | 'permanent';

export interface AnswerRule {
  answerClass: AnswerClass;
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
    const match = /^(rate-limit|temporary|permanent)\s+(\S+)\s+(\S+)\s+(.+)$/.exec(content);
    if (!match) throw new Error(`${source}:${index + 1}: expected CLASS CODE ENHANCED TEXT`);
    const [, answerClass, code, enhanced, pattern] = match as unknown as [string, AnswerClass, string, string, string];
    try {
      rules.push({
        answerClass,
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
  const code = String(answer.code);
  for (const rule of rules) {
    if (!rule.code.test(code)) continue;
    if (rule.enhanced && !(answer.enhanced && rule.enhanced.test(answer.enhanced))) continue;
    if (rule.text && !rule.text.test(answer.text)) continue;
    return rule.answerClass;
  }
  return answer.code >= 500 ? 'permanent' : 'temporary';
}
