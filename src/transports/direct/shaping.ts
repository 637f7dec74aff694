/**
 * The shaping table of direct delivery (rules/shaping.txt, then the data directory's own): which
 * destination a recipient domain belongs to, and that destination's limits.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../lib/package-root.js';

export interface ShapingLimits {
  connections: number;
  perMinute: number | null;
  perSession: number;
}

export interface ShapingRule extends ShapingLimits {
  name: string;
  domains: string[];
  /** `*.example.com` patterns: subdomains of these. */
  subdomainsOf: string[];
  mxPatterns: RegExp[];
  matchesAll: boolean;
  source: string;
}

export interface Destination extends ShapingLimits {
  name: string;
}

const DEFAULT_LIMITS: ShapingLimits = { connections: 3, perMinute: null, perSession: 100 };

export function parseShaping(text: string, source: string): ShapingRule[] {
  const rules: ShapingRule[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    const content = line.replace(/#.*$/, '').trim();
    if (!content) return;
    const where = `${source}:${index + 1}`;
    const [name, match, ...limits] = content.split(/\s+/);
    if (!name || !match) throw new Error(`${where}: expected NAME MATCH LIMIT…`);
    if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new Error(`${where}: "${name}" is not a destination name (letters, digits, . _ -)`);
    const rule: ShapingRule = { name, domains: [], subdomainsOf: [], mxPatterns: [], matchesAll: false, source: where, ...DEFAULT_LIMITS };
    for (const m of match.toLowerCase().split(',').filter(Boolean)) {
      if (m === '*') rule.matchesAll = true;
      else if (m.startsWith('mx:')) rule.mxPatterns.push(hostPattern(m.slice(3), where));
      else if (m.startsWith('*.')) rule.subdomainsOf.push(m.slice(2));
      else rule.domains.push(m);
    }
    for (const limit of limits) {
      const parsed = /^(connections|per-minute|per-session)=(\d+|none)$/.exec(limit);
      if (!parsed) throw new Error(`${where}: "${limit}" is not connections=N, per-minute=N or per-session=N`);
      const value = parsed[2] === 'none' ? null : Number(parsed[2]);
      if (parsed[1] === 'per-minute') rule.perMinute = value;
      else if (value === null || value < 1) throw new Error(`${where}: ${parsed[1]} must be a positive number`);
      else if (parsed[1] === 'connections') rule.connections = value;
      else rule.perSession = value;
    }
    rules.push(rule);
  });
  return rules;
}

function hostPattern(pattern: string, where: string): RegExp {
  if (!/^[a-z0-9*.-]+$/.test(pattern)) throw new Error(`${where}: "${pattern}" is not an MX host pattern`);
  return new RegExp(`^${pattern.replace(/\./g, '\\.').replace(/\*/g, '[a-z0-9-]+(?:\\.[a-z0-9-]+)*')}$`);
}

/** The data directory's lines (and `extraFile`'s) first, then the built-in ones. */
export function loadShaping(dataDir: string | null, extraFile?: string): ShapingRule[] {
  const builtIn = path.join(packageRoot(), 'rules', 'shaping.txt');
  const own = [extraFile, dataDir ? path.join(dataDir, 'shaping.txt') : undefined].filter((f): f is string => !!f && existsSync(f));
  return [...own.flatMap((f) => parseShaping(readFileSync(f, 'utf8'), f)), ...parseShaping(readFileSync(builtIn, 'utf8'), 'rules/shaping.txt')];
}

/**
 * The destination of a recipient domain whose most preferred MX host is `primaryMx`: the first
 * named line that matches the domain or that host; else the MX host itself, with the default
 * line's limits (domains sharing an MX host share its limits).
 */
export function destinationOf(rules: readonly ShapingRule[], domain: string, primaryMx: string): Destination {
  const d = domain.toLowerCase();
  const mx = primaryMx.toLowerCase();
  for (const rule of rules) {
    if (rule.matchesAll) continue;
    if (rule.domains.includes(d) || rule.subdomainsOf.some((p) => d.endsWith(`.${p}`)) || rule.mxPatterns.some((p) => p.test(mx))) {
      return { name: rule.name, connections: rule.connections, perMinute: rule.perMinute, perSession: rule.perSession };
    }
  }
  const fallback = rules.find((r) => r.matchesAll) ?? { ...DEFAULT_LIMITS };
  return { name: mx || d, connections: fallback.connections, perMinute: fallback.perMinute, perSession: fallback.perSession };
}
