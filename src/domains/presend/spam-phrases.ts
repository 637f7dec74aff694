/**
 * Spam-trigger phrases, kept as operator knowledge in `rules/spam-phrases.txt` (and a user's own
 * `spam-phrases.txt` in the data directory, read first). All phrases are compiled into one
 * regular expression, so checking a 100 KB message is one pass.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../lib/package-root.js';

export interface SpamPhrase {
  lang: string;
  weight: number;
  phrase: string;
}

export interface FoundPhrase extends SpamPhrase {
  count: number;
}

export function parseSpamPhrases(text: string, source: string): SpamPhrase[] {
  const phrases: SpamPhrase[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    const content = line.replace(/^\s*#.*$/, '').trim();
    if (!content) return;
    const match = /^([a-z]{2})\s+(\d+(?:\.\d+)?)\s+(.+)$/.exec(content);
    const weight = Number(match?.[2]);
    if (!match || !(weight > 0 && weight <= 3)) throw new Error(`${source}:${index + 1}: expected LANG WEIGHT PHRASE (a weight from 0.1 to 3)`);
    phrases.push({ lang: match[1]!, weight, phrase: match[3]!.trim().toLowerCase().replace(/\s+/g, ' ') });
  });
  return phrases;
}

export function loadSpamPhrases(dataDir: string): SpamPhrase[] {
  const builtIn = path.join(packageRoot(), 'rules', 'spam-phrases.txt');
  const phrases = parseSpamPhrases(readFileSync(builtIn, 'utf8'), 'rules/spam-phrases.txt');
  const own = path.join(dataDir, 'spam-phrases.txt');
  if (existsSync(own)) return [...parseSpamPhrases(readFileSync(own, 'utf8'), own), ...phrases];
  return phrases;
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ /g, '\\s+');
const compiled = new WeakMap<SpamPhrase[], RegExp>();

/**
 * The phrases `text` contains, with how often. Word boundaries are Unicode-aware: a phrase is not
 * preceded or followed by a letter or digit of any script.
 */
export function findSpamPhrases(text: string, phrases: SpamPhrase[]): FoundPhrase[] {
  if (phrases.length === 0) return [];
  let pattern = compiled.get(phrases);
  if (!pattern) {
    const unique = [...new Set(phrases.map((p) => p.phrase))].sort((a, b) => b.length - a.length);
    pattern = new RegExp(`(?<![\\p{L}\\p{N}])(?:${unique.map(escape).join('|')})(?![\\p{L}\\p{N}])`, 'giu');
    compiled.set(phrases, pattern);
  }
  const byPhrase = new Map(phrases.map((p) => [p.phrase, p] as const));
  const counts = new Map<string, number>();
  for (const match of text.matchAll(pattern)) {
    const key = match[0].toLowerCase().replace(/\s+/g, ' ');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].flatMap(([phrase, count]) => {
    const known = byPhrase.get(phrase);
    return known ? [{ ...known, count }] : [];
  });
}
