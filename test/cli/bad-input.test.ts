/**
 * Bad input to the built CLI: every case exits non-zero with exactly one line on stderr that
 * names the field or flag, prints nothing on stdout, and writes nothing (the spool stays empty,
 * the server list and the settings stay as they were).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, cli, databaseFingerprint, newDataDir, ok, okJson, type CliResult } from './run-cli.js';

const PASSWORD = 'pw-that-must-stay-secret-7f3a9c';

let data: ReturnType<typeof newDataDir>;
let dir: string;
let baselineServers: string;
let baselineSettings: string;
let certFile: string;
let baselineDatabase: string;

beforeAll(async () => {
  assertBuilt();
  data = newDataDir();
  dir = data.dir;
  // One server already exists: for the duplicate-name case and so "unchanged" means something.
  await ok(dir, ['server', 'add', '--name', 'Existing', '--host', 'smtp.example.com', '--priority', '7', '--from-filter', 'example.com']);
  await ok(dir, ['settings', 'set', 'domain_alias', 'example.net']);
  baselineServers = await ok(dir, ['--json', 'server', 'list']);
  baselineSettings = await ok(dir, ['--json', 'settings', 'get']);
  expect(JSON.parse(baselineServers)).toHaveLength(1);
  baselineDatabase = databaseFingerprint(dir);
  certFile = path.join(dir, 'not-a-cert.pem');
  writeFileSync(certFile, 'this is not a certificate\n');
});

afterAll(() => data?.remove());

/** Exit code, one line on stderr matching `line`, nothing on stdout. */
function expectRejected(result: CliResult, line: RegExp, code: 1 | 2): void {
  expect(result.signal, `killed: ${result.stderr}`).toBeNull();
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code, stderr: expect.stringMatching(line) });
  expect(result.stderr.endsWith('\n'), 'stderr ends with a newline').toBe(true);
  expect(result.stderr.slice(0, -1).split(/\r?\n/), 'exactly one line on stderr').toHaveLength(1);
  expect(result.stdout).toBe('');
}

/**
 * Nothing was written: every table of the database is as it was, and the CLI's own view of what
 * the command could have touched (the spool, the servers, the settings) is unchanged.
 */
async function expectNothingWritten(command: string, what: 'queue' | 'servers' | 'settings' | 'all' = area(command)): Promise<void> {
  expect(databaseFingerprint(dir), 'the database is unchanged').toBe(baselineDatabase);
  if (what === 'queue' || what === 'all') expect(await okJson(dir, ['queue', 'list'])).toEqual([]);
  if (what === 'servers' || what === 'all') expect(await ok(dir, ['--json', 'server', 'list'])).toBe(baselineServers);
  if (what === 'settings' || what === 'all') expect(await ok(dir, ['--json', 'settings', 'get'])).toBe(baselineSettings);
}

function area(command: string): 'queue' | 'servers' | 'settings' {
  return command === 'server' ? 'servers' : command === 'settings' ? 'settings' : 'queue';
}

const send = (...extra: string[]) => ['send', '--from', 'alice@example.com', '--subject', 'Hello', '--text', 'Body', ...extra];
const serverAdd = (...extra: string[]) => ['server', 'add', '--name', 'New', '--host', 'smtp.example.org', ...extra];

interface Case {
  name: string;
  args: string[];
  line: RegExp;
  code: 1 | 2;
  env?: Record<string, string | undefined>;
}

const cases: Case[] = [
  // send: addresses
  { name: 'an invalid --to', args: send('--to', 'bad'), line: /^error: --to: "bad" is not a valid email address\n$/, code: 1 },
  { name: 'an invalid second --to', args: send('--to', 'bob@example.org', '--to', 'carol@'), line: /^error: --to: "carol@" is not a valid email address\n$/, code: 1 },
  { name: 'an invalid --from', args: ['send', '--from', 'alice', '--to', 'bob@example.org', '--subject', 'Hi', '--text', 'x'], line: /^error: --from: "alice" is not a valid email address\n$/, code: 1 },
  { name: 'an invalid --cc', args: send('--to', 'bob@example.org', '--cc', 'x@'), line: /^error: --cc: "x@" is not a valid email address\n$/, code: 1 },
  { name: 'an invalid --bcc', args: send('--to', 'bob@example.org', '--bcc', 'no at sign'), line: /^error: --bcc: .*is not a valid email address\n$/, code: 1 },
  { name: 'an invalid --reply-to', args: send('--to', 'bob@example.org', '--reply-to', 'bad@@example.com'), line: /^error: --reply-to: .*bad@@example\.com.* is not a valid email address\n$/, code: 1 },
  { name: 'two addresses in one --to', args: send('--to', 'a@example.org, b@example.org'), line: /^error: --to: must be a single address\n$/, code: 1 },
  // send: header injection
  { name: 'CR in --subject', args: send('--to', 'bob@example.org').map((a) => (a === 'Hello' ? 'Hello\rBcc: evil@example.com' : a)), line: /^error: --subject: must not contain CR or LF\n$/, code: 1 },
  { name: 'LF in --subject', args: send('--to', 'bob@example.org').map((a) => (a === 'Hello' ? 'Hello\nBcc: evil@example.com' : a)), line: /^error: --subject: must not contain CR or LF\n$/, code: 1 },
  {
    name: 'CRLF in the display name of --from',
    args: ['send', '--from', 'Alice\r\nBcc: x@y.com <a@example.com>', '--to', 'bob@example.org', '--subject', 'Hi', '--text', 'x'],
    line: /^error: --from: must not contain CR or LF\n$/,
    code: 1,
  },
  { name: 'LF in the display name of --to', args: send('--to', 'Bob\nBcc: x@y.com <bob@example.org>'), line: /^error: --to: must not contain CR or LF\n$/, code: 1 },
  { name: 'CR in the display name of --cc', args: send('--to', 'bob@example.org', '--cc', 'Carol\r <carol@example.org>'), line: /^error: --cc: must not contain CR or LF\n$/, code: 1 },
  { name: 'CRLF in the display name of --reply-to', args: send('--to', 'bob@example.org', '--reply-to', 'R\r\nX: y <r@example.org>'), line: /^error: --reply-to: must not contain CR or LF\n$/, code: 1 },
  { name: 'CRLF in a --header value', args: send('--to', 'bob@example.org', '--header', 'X-Tag: a\r\nBcc: evil@example.com'), line: /^error: --header X-Tag: must not contain CR or LF\n$/, code: 1 },
  { name: 'a reserved --header', args: send('--to', 'bob@example.org', '--header', 'Bcc: evil@example.com'), line: /^error: --header Bcc: is set by its own field/, code: 1 },
  { name: 'a --header without a colon', args: send('--to', 'bob@example.org', '--header', 'NoColon'), line: /^error: --header: "NoColon" must look like "Name: value"\n$/, code: 1 },
  // send: other fields
  { name: 'a missing --attach file', args: send('--to', 'bob@example.org', '--attach', '/nonexistent/postroom/report.pdf'), line: /^error: --attach: cannot read "\/nonexistent\/postroom\/report\.pdf" \(ENOENT\)\n$/, code: 1 },
  { name: 'an unknown --server', args: send('--to', 'bob@example.org', '--server', 'Nowhere'), line: /^error: --server: no server named "Nowhere"\n$/, code: 1 },
  { name: 'no recipients', args: send(), line: /^error: --to: at least one recipient is required \(to, cc or bcc\)\n$/, code: 1 },
  { name: 'no body', args: ['send', '--from', 'alice@example.com', '--to', 'bob@example.org', '--subject', 'Hi'], line: /^error: --text: a text or an html body is required\n$/, code: 1 },
  { name: 'a missing --subject', args: ['send', '--from', 'alice@example.com', '--to', 'bob@example.org', '--text', 'x'], line: /^error: required option '--subject <text>' not specified\n$/, code: 2 },
  { name: 'an unknown flag to send', args: send('--to', 'bob@example.org', '--bogus'), line: /^error: unknown option '--bogus'\n$/, code: 2 },
  { name: 'an unknown command', args: ['sned', '--to', 'bob@example.org'], line: /^error: unknown command 'sned'/, code: 2 },

  // server add
  { name: 'a non-numeric --port', args: serverAdd('--port', 'abc'), line: /^error: option '--port <port>' argument 'abc' is invalid\. must be a whole number\.\n$/, code: 2 },
  { name: 'an out-of-range --port', args: serverAdd('--port', '70000'), line: /^error: option '--port <port>' argument '70000' is invalid\. must be between 1 and 65535\.\n$/, code: 2 },
  { name: 'a non-numeric --max-concurrent', args: serverAdd('--max-concurrent', 'many'), line: /^error: option '--max-concurrent <n>' argument 'many' is invalid\. must be a whole number\.\n$/, code: 2 },
  { name: 'a non-numeric --priority', args: serverAdd('--priority', '1.5'), line: /^error: option '--priority <n>' argument '1\.5' is invalid/, code: 2 },
  { name: 'an unknown --security', args: serverAdd('--security', 'ssl'), line: /^error: option '--security <mode>' argument 'ssl' is invalid\. must be one of none, starttls, tls\.\n$/, code: 2 },
  { name: 'an unknown flag to server add', args: serverAdd('--passwd', 'x'), line: /^error: unknown option '--passwd'/, code: 2 },
  { name: 'a missing --name', args: ['server', 'add', '--host', 'smtp.example.org'], line: /^error: required option '--name <name>' not specified\n$/, code: 2 },
  {
    name: 'password auth without --user',
    args: serverAdd('--auth', 'password', '--password-env', 'BAD_INPUT_PW'),
    env: { BAD_INPUT_PW: PASSWORD },
    line: /^error: --user: is required with password authentication\n$/,
    code: 1,
  },
  { name: 'password auth without --password-env', args: serverAdd('--auth', 'password', '--user', 'u'), line: /^error: --password-env: is required with password authentication\n$/, code: 1 },
  {
    name: '--password-env naming an unset variable',
    args: serverAdd('--auth', 'password', '--user', 'u', '--password-env', 'POSTROOM_TEST_UNSET_VARIABLE'),
    env: { POSTROOM_TEST_UNSET_VARIABLE: undefined },
    line: /^error: --password-env: environment variable POSTROOM_TEST_UNSET_VARIABLE is not set\n$/,
    code: 1,
  },
  { name: 'a missing --cert file', args: serverAdd('--auth', 'certificate', '--cert', '/nonexistent/client.pem', '--key', '/nonexistent/client.key'), line: /^error: --cert: cannot read "\/nonexistent\/client\.pem" \(ENOENT\)\n$/, code: 1 },
  { name: 'a --cert file that is not a certificate', args: serverAdd('--auth', 'certificate', '--cert', '@CERT', '--key', '@CERT'), line: /^error: --cert: is not a PEM certificate\n$/, code: 1 },
  { name: 'an invalid --from-filter', args: serverAdd('--from-filter', 'example.com, not a domain'), line: /^error: --from-filter: "not a domain" is neither a domain nor an address; each entry must be a domain/, code: 1 },
  { name: 'an invalid --host', args: ['server', 'add', '--name', 'New', '--host', 'smtp example org'], line: /^error: --host: must be a host name or an IP address\n$/, code: 1 },
  { name: 'a missing --host', args: ['server', 'add', '--name', 'New'], line: /^error: --host: is required for an SMTP server\n$/, code: 1 },
  { name: 'LF in --name', args: ['server', 'add', '--name', 'New\nBad', '--host', 'smtp.example.org'], line: /^error: --name: must not contain CR, LF or NUL\n$/, code: 1 },
  { name: 'a duplicate server name', args: ['server', 'add', '--name', 'Existing', '--host', 'smtp.example.org'], line: /^error: --name: a server named "Existing" already exists\n$/, code: 1 },

  // server update / remove / test
  { name: 'server update of an unknown server', args: ['server', 'update', 'Nowhere', '--priority', '3'], line: /^error: server: no server named "Nowhere"\n$/, code: 1 },
  { name: 'server update with a non-numeric --port', args: ['server', 'update', 'Existing', '--port', 'x'], line: /^error: option '--port <port>' argument 'x' is invalid/, code: 2 },
  { name: 'server update with an invalid --from-filter', args: ['server', 'update', 'Existing', '--from-filter', '@@'], line: /^error: --from-filter: /, code: 1 },
  { name: 'server update with --active and --inactive', args: ['server', 'update', 'Existing', '--active', '--inactive'], line: /^error: --active: cannot be combined with --inactive\n$/, code: 1 },
  { name: 'server update to password auth without --user', args: ['server', 'update', 'Existing', '--auth', 'password', '--password-env', 'BAD_INPUT_PW'], env: { BAD_INPUT_PW: PASSWORD }, line: /^error: --user: is required with password authentication\n$/, code: 1 },
  { name: 'server remove of an unknown server', args: ['server', 'remove', 'Nowhere'], line: /^error: server: no server named "Nowhere"\n$/, code: 1 },
  { name: 'server test of an unknown server', args: ['server', 'test', 'Nowhere'], line: /^error: server: no server named "Nowhere"\n$/, code: 1 },

  // settings
  { name: 'settings set of an unknown key', args: ['settings', 'set', 'colour', 'blue'], line: /^error: key: unknown setting "colour"; known: domain_alias, default_from, bulk_server, webhooks_allow_private, sending_ips, [a-z_, ]+\n$/, code: 1 },
  { name: 'settings set domain_alias to a bad domain', args: ['settings', 'set', 'domain_alias', 'not a domain'], line: /^error: domain_alias: must be a domain like example\.com\n$/, code: 1 },
  { name: 'settings set domain_alias to an address', args: ['settings', 'set', 'domain_alias', 'me@example.org'], line: /^error: domain_alias: must be a domain/, code: 1 },
  { name: 'settings set default_from to a bad local part', args: ['settings', 'set', 'default_from', 'no reply'], line: /^error: default_from: must be the local part of an address/, code: 1 },
  { name: 'settings set bulk_server to an unknown server', args: ['settings', 'set', 'bulk_server', 'Nowhere'], line: /^error: bulk_server: no server named "Nowhere"\n$/, code: 1 },
  { name: 'settings get of an unknown key', args: ['settings', 'get', 'colour'], line: /^error: key: unknown setting "colour"/, code: 1 },
  { name: 'settings set without a value', args: ['settings', 'set', 'domain_alias'], line: /^error: missing required argument 'value'\n$/, code: 2 },

  // queue
  { name: 'queue show of an unknown id', args: ['queue', 'show', 'msg_doesnotexist'], line: /^error: id: no message with id "msg_doesnotexist"\n$/, code: 1 },
  { name: 'queue retry of an unknown id', args: ['queue', 'retry', 'msg_doesnotexist'], line: /^error: id: no message with id "msg_doesnotexist"\n$/, code: 1 },
  { name: 'queue cancel of an unknown id', args: ['queue', 'cancel', 'msg_doesnotexist'], line: /^error: id: no message with id "msg_doesnotexist"\n$/, code: 1 },
  { name: 'queue list with an unknown --status', args: ['queue', 'list', '--status', 'lost'], line: /^error: option '--status <status>' argument 'lost' is invalid\. must be one of /, code: 2 },
  { name: 'queue list with a bad --limit', args: ['queue', 'list', '--limit', '0'], line: /^error: option '--limit <n>' argument '0' is invalid\. must be between 1 and 10000\.\n$/, code: 2 },
];

describe('bad input to the CLI', () => {
  // The cases only read, so they share one data directory and run a few at a time; any write
  // would change the fingerprint every case and the last test compare against.
  it.concurrent.each(cases)('rejects $name with one line on stderr and writes nothing', async ({ args, line, code, env }) => {
    const result = await cli(dir, args.map((a) => (a === '@CERT' ? certFile : a)), { env });
    expectRejected(result, line, code);
    await expectNothingWritten(args[0]!);
  });

  it('rejects bad input the same way with --json (no JSON on stdout, one line on stderr)', async () => {
    const result = await cli(dir, ['--json', ...send('--to', 'bad')]);
    expectRejected(result, /^error: --to: "bad" is not a valid email address\n$/, 1);
    await expectNothingWritten('send', 'queue');
  });

  it('never echoes the password in an error', async () => {
    const result = await cli(dir, ['server', 'add', '--name', 'New', '--host', 'bad host', '--auth', 'password', '--password-env', 'BAD_INPUT_PW'], { env: { BAD_INPUT_PW: PASSWORD } });
    expect(result.code).not.toBe(0);
    expect(result.stderr + result.stdout).not.toContain(PASSWORD);
    await expectNothingWritten('server');
  });

  it('rejects a --header name containing LF, on one line', async () => {
    const result = await cli(dir, send('--to', 'bob@example.org', '--header', 'Bad\nName: v'));
    expect(result.code).toBe(1);
    expect(result.stderr.slice(0, -1).split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^error: --header Bad\\nName: is not a valid header name\n$/);
    await expectNothingWritten('send');
  });

  it('explains a --header name containing LF instead of cutting the message at the LF', async () => {
    const result = await cli(dir, send('--to', 'bob@example.org', '--header', 'Bad\nName: v'));
    expect(result.stderr).toMatch(/is not a valid header name/);
  });

  it('leaves the spool empty and the servers and settings as they were after all of the above', async () => {
    await expectNothingWritten('all', 'all');
  });
});
