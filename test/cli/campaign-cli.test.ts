/**
 * `postroom template` and `postroom campaign`, run as the built command: a template with a
 * syntax error refused with its line, a campaign created, sent, delivered by `worker
 * --exit-when-idle` into the Sandbox server and reported; another scheduled at 09:00 local time.
 */
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/databases.js';
import { assertBuilt, cli, ok, okJson } from './run-cli.js';

describe('campaigns on the command line', () => {
  const dirs: string[] = [];
  beforeAll(assertBuilt);
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('creates a template and a campaign, sends it, reports it, and schedules another at a local time', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const file = (name: string, text: string) => {
      const at = path.join(dir, name);
      writeFileSync(at, text);
      return at;
    };
    await ok(dir, ['server', 'add', '--name', 'Box', '--kind', 'sandbox']);
    await ok(dir, ['contacts', 'import', file('people.csv', 'email,name,time_zone\nana@example.com,Ana López,Europe/Madrid\nbo@example.com,Bo,Asia/Tokyo\n'), '--list', 'News']);

    const broken = await cli(dir, ['template', 'create', '--name', 'Bad', '--subject', 'Hi', '--html-file', file('bad.html', '<p>a</p>\n{% if x %}')]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/^error: source: line 2, column 1: tag \{% if x %\} not closed/);
    await ok(dir, ['template', 'create', '--name', 'Hello', '--subject', 'Hi {{ contact.first_name }}', '--html-file', file('t.html', '<p>Hello {{ contact.name }}</p>')]);

    const draft = await okJson<{ id: string; status: string }>(dir, ['--json', 'campaign', 'create', '--name', 'Now', '--from', 'News <news@example.com>', '--list', 'News', '--template', 'Hello']);
    expect(draft.status).toBe('draft');
    expect(await ok(dir, ['campaign', 'send', draft.id])).toMatch(/queued 2 messages for "Now"/);
    await ok(dir, ['worker', '--exit-when-idle']);
    const status = await okJson<{ status: string; recipients: { sent: number } }>(dir, ['--json', 'campaign', 'status', 'Now']);
    expect(status).toMatchObject({ status: 'finished', recipients: { sent: 2 } });
    const report = (await ok(dir, ['campaign', 'report', 'Now'])).trim().split('\r\n');
    expect(report[0]).toBe('email,status,attempts,code,enhanced_code,response,bounce_reason,bounce,opened,clicked,unsubscribed,updated_at,message_id');
    expect(report.slice(1).map((line) => line.split(',').slice(0, 2).join(',')).sort()).toEqual(['ana@example.com,sent', 'bo@example.com,sent']);

    await ok(dir, ['campaign', 'create', '--name', 'Morning', '--from', 'news@example.com', '--list', 'News', '--template', 'Hello']);
    const bad = await cli(dir, ['campaign', 'schedule', 'Morning', '--local-time', '9am']);
    expect(bad.stderr).toMatch(/schedule\.localTime: must be HH:MM/);
    const scheduled = await okJson<{ total: number; firstDue: string; lastDue: string }>(dir, ['--json', 'campaign', 'schedule', 'Morning', '--local-time', '09:00', '--date', '2099-01-15']);
    // 09:00 in Tokyo (00:00 UTC), then 09:00 in Madrid (08:00 UTC).
    expect(scheduled).toEqual(expect.objectContaining({ total: 2, firstDue: '2099-01-15T00:00:00.000Z', lastDue: '2099-01-15T08:00:00.000Z' }));
    expect((await cli(dir, ['campaign', 'pause', 'Morning'])).code).toBe(0);
    expect((await cli(dir, ['campaign', 'pause', 'Morning'])).stderr).toMatch(/status: the campaign is paused/);
    expect(await ok(dir, ['campaign', 'cancel', 'Morning'])).toMatch(/cancelled; 2 recipients: 0 sent.*2 cancelled, 0 remaining/);
  });
});
