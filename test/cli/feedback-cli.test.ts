/**
 * `postroom bounce classify`, `postroom suppression …` and `postroom mailbox …`, run as the built
 * command: one row per message and recipient (also for a message that is not a bounce), manual
 * suppressions with import and a formula-safe export, and a mailbox whose input errors name the
 * flag at fault.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/databases.js';
import { assertBuilt, cli, ok, okJson } from './run-cli.js';

const BOUNCES = path.resolve(import.meta.dirname, '../../../shared/corpora/bounces/messages');

describe('the feedback loop on the command line', () => {
  const dirs: string[] = [];
  beforeAll(assertBuilt);
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const data = () => {
    const dir = tempDir();
    dirs.push(dir);
    return dir;
  };

  it('bounce classify prints one row per message and recipient, also for a message that is not a bounce', async () => {
    const dir = data();
    const plain = path.join(dir, 'hello.eml');
    writeFileSync(plain, 'From: ana@example.org\r\nTo: bob@example.com\r\nSubject: Lunch?\r\n\r\nAre you free on Friday?\r\n');
    const rows = await okJson<Array<Record<string, unknown>>>(dir, ['--json', 'bounce', 'classify', path.join(BOUNCES, 'lhost-gmail-01.eml'), path.join(BOUNCES, 'arf-02.eml'), plain]);
    expect(rows).toEqual([
      expect.objectContaining({ file: path.join(BOUNCES, 'lhost-gmail-01.eml'), kind: 'bounce', reason: 'userunknown', hard: true, status: '5.1.1', recipient: expect.stringContaining('@'), diagnostic: expect.any(String) }),
      expect.objectContaining({ file: path.join(BOUNCES, 'arf-02.eml'), kind: 'complaint', reason: 'feedback', hard: false }),
      expect.objectContaining({ file: plain, kind: 'unknown', reason: 'undefined', hard: false, recipient: null }),
    ]);
    const text = await ok(dir, ['bounce', 'classify', path.join(BOUNCES, 'lhost-gmail-01.eml')]);
    expect(text).toMatch(/^FILE\s+RECIPIENT\s+REASON\s+HARD\s+STATUS\s+DIAGNOSTIC\nlhost-gmail-01\.eml\s+\S+@\S+\s+userunknown\s+hard\s+5\.1\.1/);
    const missing = await cli(dir, ['bounce', 'classify', path.join(dir, 'nope.eml')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('nope.eml: cannot read');
  });

  it('suppression add, list, remove, import and export', async () => {
    const dir = data();
    await ok(dir, ['list', 'create', 'News']);
    expect(await ok(dir, ['suppression', 'add', 'Ana@Example.org', '--detail', 'asked by phone'])).toBe('suppressed ana@example.org (manual)\n');
    await ok(dir, ['suppression', 'add', 'bob@example.org', '--list', 'News', '--reason', 'unsubscribe']);
    const bad = await cli(dir, ['suppression', 'add', 'not-an-address']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('error: address: "not-an-address" is not an email address\n');
    const noList = await cli(dir, ['suppression', 'add', 'c@example.org', '--list', 'Nope']);
    expect(noList.stderr).toBe('error: list: no list "Nope"\n');

    const csv = path.join(dir, 'old-esp.csv');
    writeFileSync(csv, 'email,reason\n=cmd@example.org,hard-bounce\nnot an address,manual\ndan@example.org,complaint\n');
    const imported = await cli(dir, ['suppression', 'import', csv]);
    expect(imported.code).toBe(3);
    expect(imported.stdout).toBe('2 of 3 rows suppressed\nline 3: email: "not an address" is not an email address\n');

    const listed = await okJson<Array<{ address: string; scope: string; reason: string }>>(dir, ['--json', 'suppression', 'list']);
    expect(listed.map((s) => [s.address, s.scope === '' ? 'all' : 'list', s.reason]).sort()).toEqual([
      ['=cmd@example.org', 'all', 'hard-bounce'],
      ['ana@example.org', 'all', 'manual'],
      ['bob@example.org', 'list', 'unsubscribe'],
      ['dan@example.org', 'all', 'complaint'],
    ]);
    const exported = path.join(dir, 'out.csv');
    await ok(dir, ['suppression', 'export', '--output', exported]);
    const lines = readFileSync(exported, 'utf8').trim().split('\r\n');
    expect(lines[0]).toBe('email,list,reason,detail,created_at,expires_at');
    // A cell a spreadsheet would run as a formula is neutralised.
    expect(lines).toContainEqual(expect.stringMatching(/^'=cmd@example\.org,,hard-bounce,imported,/));
    expect(lines).toContainEqual(expect.stringMatching(/^bob@example\.org,News,unsubscribe,/));

    expect(await ok(dir, ['suppression', 'remove', 'ana@example.org'])).toBe('removed ana@example.org (manual) from the suppression list\n');
    const again = await cli(dir, ['suppression', 'remove', 'ana@example.org']);
    expect(again.stderr).toBe('error: address: ana@example.org is not suppressed\n');
    expect(await okJson(dir, ['--json', 'suppression', 'list', '--reason', 'complaint'])).toEqual([expect.objectContaining({ address: 'dan@example.org' })]);
  });

  it('mailbox add keeps the password sealed and names the flag at fault; poll reports a server it cannot reach', async () => {
    const dir = data();
    const env = { BOUNCE_PASSWORD: 's3cret-pass' };
    const missing = await cli(dir, ['mailbox', 'add', 'bounces', '--protocol', 'pop3', '--host', 'mail.example.com', '--user', 'b', '--password-env', 'NOPE']);
    expect(missing.stderr).toBe('error: --password-env: environment variable NOPE is not set\n');
    const move = await cli(dir, ['mailbox', 'add', 'bounces', '--protocol', 'pop3', '--host', 'mail.example.com', '--user', 'b', '--password-env', 'BOUNCE_PASSWORD', '--after', 'move'], { env });
    expect(move.stderr).toBe('error: --after: POP3 can only delete processed messages\n');
    const added = await okJson<Record<string, unknown>>(dir, ['--json', 'mailbox', 'add', 'bounces', '--protocol', 'imap', '--host', '127.0.0.1', '--port', '9', '--security', 'none', '--user', 'b', '--password-env', 'BOUNCE_PASSWORD'], { env });
    expect(added).toMatchObject({ name: 'bounces', protocol: 'imap', port: 9, afterProcessing: 'move', moveTo: 'Processed', intervalSeconds: 60 });
    expect(JSON.stringify(added)).not.toContain('s3cret');
    const polled = await cli(dir, ['mailbox', 'poll', 'bounces']);
    expect(polled.code).toBe(1);
    expect(polled.stderr).toMatch(/^error: bounces: connect: .*127\.0\.0\.1:9/);
    expect(polled.stderr).not.toContain('s3cret');
    expect(await ok(dir, ['mailbox', 'list'])).toMatch(/bounces\s+imap\s+127\.0\.0\.1:9\s+b\s+60 s\s+\S+ \S+\s+failed at connect/);
    expect(await ok(dir, ['mailbox', 'remove', 'bounces'])).toBe('removed mailbox bounces\n');
  });
});
