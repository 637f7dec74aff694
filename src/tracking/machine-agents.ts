/**
 * Was an open or a click a person, or a machine acting on the message (a privacy proxy that
 * prefetches, a gateway that follows every link)? Who fetched is read from the commented rules in
 * `rules/machine-agents.txt` (and a user's own `machine-agents.txt` in the data directory); when
 * a click is judged here from its timing: link scanners click within seconds of delivery, several
 * links at once, and without loading the images first.
 */
import { existsSync, readFileSync } from 'node:fs';
import { BlockList, isIP } from 'node:net';
import path from 'node:path';
import { packageRoot } from '../lib/package-root.js';

export type HitKind = 'open' | 'click';

export interface AgentRule {
  verdict: 'machine' | 'proxy';
  kind: HitKind | 'any';
  agent: string;
  matches(hit: Pick<Hit, 'method' | 'userAgent' | 'ip'>): boolean;
  source: string;
}

export interface Hit {
  kind: HitKind;
  method: string;
  userAgent: string | null;
  ip: string | null;
  at: number;
  /** When the message was delivered (its `sent` event); null when unknown. */
  sentAt: number | null;
  /** Earlier clicks on this message. */
  earlierClicks: ReadonlyArray<{ url: string; at: number }>;
  /** Whether any open (by anyone) was recorded for this message before; null when opens are not tracked. */
  openedBefore: boolean | null;
  url?: string;
}

export interface Verdict {
  machine: boolean;
  agent: string | null;
}

export interface TimingLimits {
  /** A click this soon after delivery is a scanner: nobody reads and clicks that fast. */
  clickAfterSendMs: number;
  /** Another link of the same message clicked this shortly before: a scanner walking the links. */
  linkBurstMs: number;
  /** A click this soon after delivery with no open before it: a scanner that loads no images. */
  unopenedClickMs: number;
}

export const DEFAULT_TIMING: TimingLimits = { clickAfterSendMs: 10_000, linkBurstMs: 2_000, unopenedClickMs: 60_000 };

const family = (ip: string): 'ipv4' | 'ipv6' => (isIP(ip) === 6 ? 'ipv6' : 'ipv4');
/** `::ffff:17.1.2.3` (an IPv4 client on a dual-stack listener) is 17.1.2.3. */
const plainIp = (ip: string): string => ip.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');

function blockList(pattern: string): BlockList {
  const list = new BlockList();
  for (const entry of pattern.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [address, prefix] = entry.split('/') as [string, string | undefined];
    if (isIP(address) === 0 || (prefix !== undefined && !/^\d{1,3}$/.test(prefix))) throw new Error(`"${entry}" is not an address or CIDR block`);
    if (prefix === undefined) list.addAddress(address, family(address));
    else list.addSubnet(address, Number(prefix), family(address));
  }
  return list;
}

export function parseAgentRules(text: string, source: string): AgentRule[] {
  const rules: AgentRule[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    const content = line.replace(/^\s*#.*$/, '').trim();
    if (!content) return;
    const where = `${source}:${index + 1}`;
    const match = /^(machine|proxy)\s+(open|click|any)\s+(\S+)\s+(ua|ip|method)\s+(.+)$/.exec(content);
    if (!match) throw new Error(`${where}: expected VERDICT KIND AGENT FIELD PATTERN`);
    const [, verdict, kind, agent, field, pattern] = match as unknown as [string, AgentRule['verdict'], AgentRule['kind'], string, 'ua' | 'ip' | 'method', string];
    let matches: AgentRule['matches'];
    try {
      if (field === 'ip') {
        const list = blockList(pattern);
        matches = (hit) => hit.ip !== null && isIP(plainIp(hit.ip)) !== 0 && list.check(plainIp(hit.ip), family(plainIp(hit.ip)));
      } else {
        const re = new RegExp(pattern, 'i');
        matches = field === 'ua' ? (hit) => re.test(hit.userAgent ?? '') : (hit) => re.test(hit.method);
      }
    } catch (error) {
      throw new Error(`${where}: ${(error as Error).message}`, { cause: error });
    }
    rules.push({ verdict, kind, agent, matches, source: where });
  });
  return rules;
}

/** The built-in rules, after the data directory's own (which take precedence). */
export function loadAgentRules(dataDir: string | null): AgentRule[] {
  const builtIn = parseAgentRules(readFileSync(path.join(packageRoot(), 'rules', 'machine-agents.txt'), 'utf8'), 'rules/machine-agents.txt');
  const own = dataDir ? path.join(dataDir, 'machine-agents.txt') : null;
  if (own && existsSync(own)) return [...parseAgentRules(readFileSync(own, 'utf8'), own), ...builtIn];
  return builtIn;
}

export function judgeHit(rules: readonly AgentRule[], hit: Hit, timing: TimingLimits = DEFAULT_TIMING): Verdict {
  for (const rule of rules) {
    if (rule.kind !== 'any' && rule.kind !== hit.kind) continue;
    if (rule.matches(hit)) return { machine: rule.verdict === 'machine', agent: rule.agent };
  }
  if (hit.kind === 'click' && hit.sentAt !== null) {
    const sinceSent = hit.at - hit.sentAt;
    if (sinceSent < timing.clickAfterSendMs) return { machine: true, agent: 'scanner' };
    if (hit.openedBefore === false && sinceSent < timing.unopenedClickMs) return { machine: true, agent: 'scanner' };
  }
  if (hit.kind === 'click' && hit.earlierClicks.some((c) => c.url !== hit.url && hit.at - c.at <= timing.linkBurstMs)) return { machine: true, agent: 'scanner' };
  return { machine: false, agent: null };
}
