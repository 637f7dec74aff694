/** Who opened or clicked: the rules in rules/machine-agents.txt and the timing of clicks, as a table. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { judgeHit, loadAgentRules, parseAgentRules, type Hit } from '../../src/tracking/index.js';

const rules = loadAgentRules(null);
const SENT = 1_000_000;
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148';
const hit = (extra: Partial<Hit>): Hit => ({ kind: 'open', method: 'GET', userAgent: CHROME, ip: '198.51.100.7', at: SENT + 3_600_000, sentAt: SENT, earlierClicks: [], openedBefore: true, ...extra });

const cases: Array<[string, Partial<Hit>, { machine: boolean; agent: string | null }]> = [
  ['a person in Chrome opens', {}, { machine: false, agent: null }],
  ['a person clicks an hour later', { kind: 'click', url: 'https://a.example/' }, { machine: false, agent: null }],
  ['Apple Mail on an iPhone, own address', { userAgent: IPHONE }, { machine: false, agent: null }],
  ['Apple MPP: bare Mozilla/5.0', { userAgent: 'Mozilla/5.0' }, { machine: true, agent: 'apple-mpp' }],
  ['Apple MPP: from 17.0.0.0/8', { userAgent: IPHONE, ip: '17.58.100.1' }, { machine: true, agent: 'apple-mpp' }],
  ['Apple MPP over a dual-stack listener', { userAgent: IPHONE, ip: '::ffff:17.58.100.1' }, { machine: true, agent: 'apple-mpp' }],
  ['a click from Apple space is a person (MPP prefetches images, not links)', { kind: 'click', url: 'https://a.example/', userAgent: IPHONE, ip: '17.58.100.1' }, { machine: false, agent: null }],
  ['Gmail image proxy: a person, through the proxy', { userAgent: 'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)', ip: '66.249.84.1' }, { machine: false, agent: 'gmail-proxy' }],
  ['Gmail proxy range', { ip: '66.249.88.9' }, { machine: false, agent: 'gmail-proxy' }],
  ['Yahoo proxy', { userAgent: 'YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html' }, { machine: false, agent: 'yahoo-proxy' }],
  ['Microsoft Safe Links from EOP', { kind: 'click', url: 'https://a.example/', ip: '40.93.1.2' }, { machine: true, agent: 'microsoft-safelinks' }],
  ['Microsoft Safe Links over IPv6', { kind: 'click', url: 'https://a.example/', ip: '2a01:111:f400:fe00::1' }, { machine: true, agent: 'microsoft-safelinks' }],
  ['Outlook for Windows loading images is a person', { userAgent: 'Mozilla/4.0 (compatible; ms-office; MSOffice 16)' }, { machine: false, agent: null }],
  ['Office checking a link before the browser', { kind: 'click', url: 'https://a.example/', userAgent: 'Microsoft Office Word 2014' }, { machine: true, agent: 'microsoft-preview' }],
  ['Barracuda', { kind: 'click', url: 'https://a.example/', userAgent: 'Mozilla/5.0 (compatible; Barracuda Sentinel)' }, { machine: true, agent: 'barracuda' }],
  ['Mimecast', { userAgent: 'Mimecast-URL-Protect/1.0' }, { machine: true, agent: 'mimecast' }],
  ['Proofpoint', { kind: 'click', url: 'https://a.example/', userAgent: 'Proofpoint URL Defense' }, { machine: true, agent: 'proofpoint' }],
  ['Symantec', { userAgent: 'Symantec Email Security.cloud' }, { machine: true, agent: 'symantec' }],
  ['Trend Micro', { userAgent: 'TrendMicro-WRS' }, { machine: true, agent: 'trend-micro' }],
  ['Cisco IronPort', { userAgent: 'Cisco IronPort URL Filter' }, { machine: true, agent: 'cisco-ironport' }],
  ['Fortinet', { userAgent: 'FortiGuard Web Filter' }, { machine: true, agent: 'fortinet' }],
  ['Sophos', { userAgent: 'Sophos Email Protection' }, { machine: true, agent: 'sophos' }],
  ['python-requests', { kind: 'click', url: 'https://a.example/', userAgent: 'python-requests/2.31.0' }, { machine: true, agent: 'scanner' }],
  ['curl', { userAgent: 'curl/8.5.0' }, { machine: true, agent: 'scanner' }],
  ['headless Chrome', { kind: 'click', url: 'https://a.example/', userAgent: CHROME.replace('Chrome/', 'HeadlessChrome/') }, { machine: true, agent: 'scanner' }],
  ['a crawler', { userAgent: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' }, { machine: true, agent: 'scanner' }],
  ['no User-Agent', { userAgent: null }, { machine: true, agent: 'no-user-agent' }],
  ['a HEAD request', { kind: 'click', url: 'https://a.example/', method: 'HEAD' }, { machine: true, agent: 'head-request' }],
  ['a click 3 s after delivery', { kind: 'click', url: 'https://a.example/', at: SENT + 3_000 }, { machine: true, agent: 'scanner' }],
  ['a click 30 s after delivery with no open before it', { kind: 'click', url: 'https://a.example/', at: SENT + 30_000, openedBefore: false }, { machine: true, agent: 'scanner' }],
  ['a click 30 s after delivery, opened first', { kind: 'click', url: 'https://a.example/', at: SENT + 30_000, openedBefore: true }, { machine: false, agent: null }],
  ['a click 30 s after delivery, opens not tracked', { kind: 'click', url: 'https://a.example/', at: SENT + 30_000, openedBefore: null }, { machine: false, agent: null }],
  ['another link of the message clicked 1 s before', { kind: 'click', url: 'https://a.example/2', earlierClicks: [{ url: 'https://a.example/1', at: SENT + 3_599_000 }] }, { machine: true, agent: 'scanner' }],
  ['the same link clicked twice (a double click)', { kind: 'click', url: 'https://a.example/1', earlierClicks: [{ url: 'https://a.example/1', at: SENT + 3_599_500 }] }, { machine: false, agent: null }],
  ['another link a minute before', { kind: 'click', url: 'https://a.example/2', earlierClicks: [{ url: 'https://a.example/1', at: SENT + 3_540_000 }] }, { machine: false, agent: null }],
  ['an open seconds after delivery is not judged by timing', { at: SENT + 1_000 }, { machine: false, agent: null }],
];

describe('machine agents', () => {
  it.each(cases)('%s', (_name, extra, expected) => {
    expect(judgeHit(rules, hit(extra))).toEqual(expected);
  });

  it('reads a data directory\'s own rules before the built-in ones', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'postroom-agents-'));
    writeFileSync(path.join(dir, 'machine-agents.txt'), '# our office scanner\nmachine any office-scanner ip 198.51.100.0/24\nmachine open gmail-prefetch ua GoogleImageProxy\n');
    const own = loadAgentRules(dir);
    expect(judgeHit(own, hit({}))).toEqual({ machine: true, agent: 'office-scanner' });
    expect(judgeHit(own, hit({ ip: '203.0.113.1', userAgent: 'Mozilla/5.0 (via ggpht.com GoogleImageProxy)' }))).toEqual({ machine: true, agent: 'gmail-prefetch' });
  });

  it('names the line of a bad rule', () => {
    expect(() => parseAgentRules('machine any x ip 300.1.1.1/8', 'own.txt')).toThrow(/own\.txt:1: "300\.1\.1\.1\/8" is not an address/);
    expect(() => parseAgentRules('\n\nhuman any x ua y', 'own.txt')).toThrow(/own\.txt:3: expected VERDICT KIND AGENT FIELD PATTERN/);
    expect(() => parseAgentRules('machine any x ua (', 'own.txt')).toThrow(/own\.txt:1:/);
  });
});
