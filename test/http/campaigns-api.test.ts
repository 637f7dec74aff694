/**
 * Contacts, lists, templates and campaigns over real HTTP on each test database: a CSV import in
 * two steps with its progress and refused rows, a template error with line and column, a preview
 * as a contact, and a campaign started, watched, paused, resumed and reported through the API,
 * with a sender seeing only their own campaigns.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { testDatabaseKinds, type TestDatabaseKind } from '../helpers/databases.js';
import { startCampaignMonitor, type CampaignMonitor } from '../../src/campaigns/index.js';
import { startApi, type Api } from './api-harness.js';

describe.each(testDatabaseKinds())('campaigns API on %s', (kind: TestDatabaseKind) => {
  let api: Api | undefined;
  let monitor: CampaignMonitor | undefined;
  afterEach(async () => {
    await monitor?.stop();
    await api?.close();
    api = undefined;
    monitor = undefined;
  });

  async function importCsv(a: Api, key: string, csv: string, list?: string) {
    const started = await a.request<{ id: string }>('POST', '/api/v1/contacts/imports', { key, body: { filename: 'people.csv', ...(list ? { list } : {}) } });
    expect(started.status, started.text).toBe(201);
    const done = await a.request<{ status: string; rows: number; created: number; errors: number; rowErrors: Array<{ line: number; reason: string }> }>('PUT', `/api/v1/contacts/imports/${started.json.id}/file`, {
      key,
      body: csv,
      headers: { 'content-type': 'text/csv' },
    });
    expect(done.status, done.text).toBe(200);
    return { id: started.json.id, report: done.json };
  }

  it('imports contacts, previews a template as one of them, and runs a campaign through the API', async () => {
    const a = (api = await startApi(kind));
    await a.engine.addServer({ name: 'Sandbox', kind: 'sandbox', priority: 1000 });
    expect((await a.request('POST', '/api/v1/lists', { key: a.senderA.key, body: { name: 'Customers' } })).status).toBe(201);
    const rows = ['email,name,city', ...Array.from({ length: 300 }, (_, n) => `c${n}@example.org,Customer ${n},Town ${n % 3}`), 'broken,Nobody,Nowhere'].join('\n');
    const { id: importId, report } = await importCsv(a, a.senderA.key, rows, 'Customers');
    expect(report).toMatchObject({ status: 'finished', rows: 301, created: 300, errors: 1 });
    expect(report.rowErrors).toEqual([{ line: 302, reason: expect.stringMatching(/^email: "broken" is not an email address/) }]);
    const again = await a.request<{ status: string; rows: number }>('GET', `/api/v1/contacts/imports/${importId}`, { key: a.senderA.key });
    expect(again.json).toMatchObject({ status: 'finished', rows: 301 });
    expect((await a.request('GET', `/api/v1/contacts/imports/${importId}`, { key: a.senderB.key })).status).toBe(404);
    const lists = await a.request<{ lists: Array<{ name: string; members: number }> }>('GET', '/api/v1/lists', { key: a.senderA.key });
    expect(lists.json.lists).toEqual([expect.objectContaining({ name: 'Customers', members: 300 })]);
    const page = await a.request<{ contacts: Array<{ email: string }>; nextCursor: string | null }>('GET', '/api/v1/contacts?list=Customers&limit=10', { key: a.senderA.key });
    expect(page.json.contacts).toHaveLength(10);
    expect(page.json.nextCursor).not.toBeNull();
    const csv = await a.request('GET', '/api/v1/contacts/export.csv?list=Customers', { key: a.senderA.key });
    const c7 = await a.request<{ email: string; fields: Record<string, string>; lists: Array<{ name: string }> }>('GET', '/api/v1/contacts/C7@example.org', { key: a.senderA.key });
    expect(c7.json).toMatchObject({ email: 'c7@example.org', fields: { city: 'Town 1' }, lists: [{ name: 'Customers' }] });
    expect((await a.request('GET', '/api/v1/contacts/nobody@example.org', { key: a.senderA.key })).status).toBe(404);
    expect(csv.text.trim().split('\r\n')).toHaveLength(301);

    const bad = await a.request<{ error: { field: string; message: string } }>('POST', '/api/v1/templates', { key: a.senderA.key, body: { name: 'Broken', subject: 'Hi', source: '<p>\n{% if x %}</p>' } });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatchObject({ field: 'source', message: expect.stringMatching(/^line 2, column 1: tag \{% if x %\} not closed/) });
    const template = await a.request<{ id: string }>('POST', '/api/v1/templates', { key: a.senderA.key, body: { name: 'Hello', subject: 'Hi {{ contact.first_name }}', source: '<p>Hello {{ contact.name }} from {{ contact.city }}</p>' } });
    expect(template.status, template.text).toBe(201);
    const preview = await a.request<{ subject: string; html: string; text: string }>('POST', `/api/v1/templates/${template.json.id}/preview`, { key: a.senderA.key, body: { contact: 'C7@example.org' } });
    expect(preview.json).toMatchObject({ subject: 'Hi Customer', html: '<p>Hello Customer 7 from Town 1</p>' });
    const test = await a.request<{ id: string }>('POST', `/api/v1/templates/${template.json.id}/test`, { key: a.senderA.key, body: { to: 'me@example.net', from: 'shop@example.com', contact: 'c7@example.org' } });
    expect(test.status, test.text).toBe(202);
    const testMessage = await a.request<{ subject: string; to: string; content: { html: string } }>('GET', `/api/v1/messages/${test.json.id}`, { key: a.senderA.key });
    expect(testMessage.json).toMatchObject({ subject: '[Test] Hi Customer', to: 'me@example.net', content: { html: expect.stringContaining('Hello Customer 7 from Town 1') } });

    const audience = await a.request<{ contacts: number }>('POST', '/api/v1/campaigns/audience', { key: a.senderA.key, body: { lists: ['Customers'] } });
    expect(audience.json.contacts).toBe(300);
    const missingList = await a.request<{ error: { field: string } }>('POST', '/api/v1/campaigns', { key: a.senderA.key, body: { name: 'X', from: 'a@example.com', template: 'Hello', lists: ['Nope'] } });
    expect(missingList.json.error.field).toBe('lists[0]');
    const created = await a.request<{ id: string; status: string }>('POST', '/api/v1/campaigns', { key: a.senderA.key, body: { name: 'Launch', from: 'Shop <shop@example.com>', template: 'Hello', lists: ['Customers'] } });
    expect(created.status, created.text).toBe(201);
    expect(created.json.status).toBe('draft');
    const id = created.json.id;

    // Another sender cannot see or touch it; the admin can.
    expect((await a.request('GET', `/api/v1/campaigns/${id}`, { key: a.senderB.key })).status).toBe(404);
    expect((await a.request('POST', `/api/v1/campaigns/${id}/pause`, { key: a.senderB.key })).status).toBe(404);
    expect((await a.request<{ campaigns: unknown[] }>('GET', '/api/v1/campaigns', { key: a.senderB.key })).json.campaigns).toEqual([]);
    expect((await a.request<{ campaigns: unknown[] }>('GET', '/api/v1/campaigns', { key: a.admin.key })).json.campaigns).toHaveLength(1);

    // The pre-send check of the draft: one of its messages as sent, for its owner only.
    const checked = await a.request<{ target: string; from: string; subject: string; verdict: string; checks: Array<{ id: string; status: string }> }>('POST', '/api/v1/check', { key: a.senderA.key, body: { campaign: id } });
    expect(checked.status, checked.text).toBe(200);
    expect(checked.json).toMatchObject({ target: `campaign ${id}`, from: 'shop@example.com', subject: 'Hi Customer' });
    const status = Object.fromEntries(checked.json.checks.map((c) => [c.id, c.status]));
    expect(status).toMatchObject({ dkim: 'fail', unsubscribe: 'fail', 'text-part': 'pass', subject: 'pass' });
    expect((await a.request('POST', '/api/v1/check', { key: a.senderB.key, body: { campaign: id } })).status).toBe(404);
    expect((await a.request<{ error: { field: string } }>('POST', '/api/v1/check', { key: a.senderA.key, body: {} })).json.error.field).toBe('raw');

    const sent = await a.request<{ status: string }>('POST', `/api/v1/campaigns/${id}/send`, { key: a.senderA.key });
    expect(sent.json.status).toBe('scheduled');
    expect((await a.request('POST', `/api/v1/campaigns/${id}/send`, { key: a.senderA.key })).status).toBe(409);
    // The monitor expands it in the background; pausing before the worker starts holds everything.
    monitor = startCampaignMonitor({ store: a.engine.app.store, clock: a.engine.app.clock, log: a.engine.app.log, lifetimeMs: 3_600_000, everyMs: 50 });
    const until = async (check: (p: { status: string; total: number; remaining: number; recipients: Record<string, number> }) => boolean) => {
      for (let i = 0; i < 400; i++) {
        const answer = await a.request<{ progress: { status: string; total: number; remaining: number; recipients: Record<string, number> } }>('GET', `/api/v1/campaigns/${id}`, { key: a.senderA.key });
        if (check(answer.json.progress)) return answer.json.progress;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error('timed out');
    };
    await until((p) => p.total === 300);
    expect((await a.request<{ status: string }>('POST', `/api/v1/campaigns/${id}/pause`, { key: a.senderA.key })).json.status).toBe('paused');
    a.engine.startWorker();
    await new Promise((r) => setTimeout(r, 300));
    expect((await until(() => true)).recipients.sent).toBe(0);
    await a.request('POST', `/api/v1/campaigns/${id}/resume`, { key: a.senderA.key });
    const done = await until((p) => p.status === 'finished');
    expect(done.recipients.sent).toBe(300);

    const recipients = await a.request<{ recipients: Array<{ messageId: string; address: string; status: string; code: number }> }>('GET', `/api/v1/campaigns/${id}/recipients?limit=5`, { key: a.senderA.key });
    expect(recipients.json.recipients).toHaveLength(5);
    expect(recipients.json.recipients[0]).toMatchObject({ status: 'sent', code: 250 });
    // A campaign message's content is rendered on demand, as it was sent.
    const one = await a.request<{ content: { html: string }; subject: string }>('GET', `/api/v1/messages/${recipients.json.recipients[0]!.messageId}`, { key: a.senderA.key });
    expect(one.json.content.html).toMatch(/^<p>Hello Customer \d+ from Town \d<\/p>/);
    expect(one.json.subject).toBe('Hi Customer');
    const history = await a.request<{ messages: Array<{ campaign: string; status: string }> }>('GET', `/api/v1/contacts/${recipients.json.recipients[0]!.address}`, { key: a.senderA.key });
    expect(history.json.messages).toEqual([expect.objectContaining({ campaign: 'Launch', status: 'sent' })]);
    expect((await a.request<{ messages: unknown[] }>('GET', `/api/v1/contacts/${recipients.json.recipients[0]!.address}`, { key: a.senderB.key })).json.messages).toEqual([]);
    const reportCsv = await a.request('GET', `/api/v1/campaigns/${id}/report.csv`, { key: a.senderA.key });
    expect(reportCsv.text.split('\r\n')[0]).toBe('email,status,attempts,code,enhanced_code,response,bounce_reason,bounce,opened,clicked,unsubscribed,updated_at,message_id');
    expect(reportCsv.text.trim().split('\r\n')).toHaveLength(301);

    const stream = await fetch(`${a.origin}/api/v1/campaigns/${id}/stream`, { headers: { authorization: `Bearer ${a.senderA.key}` } });
    const text = await stream.text();
    expect(text).toMatch(/^event: progress\ndata: \{.*"status":"finished"/m);
    expect(text).toMatch(/event: finished/);
  });
});
