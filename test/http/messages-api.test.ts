/**
 * The messages API over real HTTP, on each test database: sending (202 only once the message is
 * in the spool, then delivered by a worker through the Sandbox server), attachments and the raw
 * message back, tags, metadata, filters and cursor pages, idempotency keys (also under concurrent
 * requests), bad input answered with a 400 naming the field and nothing written, 413, 401, and the
 * OpenAPI document.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds, type TestDatabaseKind } from '../helpers/databases.js';
import { manualClock } from '../helpers/manual-clock.js';
import { revokeApiKey } from '../../src/users/index.js';
import type { MessageView } from '../../src/spool/index.js';
import { startApi, type Api, type ApiOptions, type ErrorBody } from './api-harness.js';

interface AttachmentListing {
  index: number;
  filename: string;
  contentType: string;
  contentId: string | null;
  size: number;
}

type MessageAnswer = MessageView & {
  content: { headers: Array<{ name: string; value: string }>; text: string | null; html: string | null; attachments: AttachmentListing[] } | null;
};

interface ListAnswer {
  messages: Array<{ id: string; status: string; from: string; to: string; subject: string; server: string | null; tags: string[]; createdAt: string }>;
  nextCursor: string | null;
}

const MESSAGES = '/api/v1/messages';

function message(n: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { from: 'Ana <ana@example.com>', to: [`rcpt${n}@example.org`], subject: `Message ${n}`, text: `Hello ${n}`, ...extra };
}

describe.each(testDatabaseKinds())('messages API on %s', (kind: TestDatabaseKind) => {
  let api: Api | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  async function start(options: ApiOptions = {}): Promise<Api> {
    api = await startApi(kind, options);
    return api;
  }

  async function post(a: Api, key: string, body: unknown, headers: Record<string, string> = {}): Promise<string> {
    const answer = await a.request<{ id: string }>('POST', MESSAGES, { key, body, headers });
    expect(answer.status, answer.text).toBe(202);
    return answer.json.id;
  }

  const ids = (answer: { json: ListAnswer }): string[] => answer.json.messages.map((m) => m.id);

  it('answers 202 {id} once the message is in the spool; a worker then sends it through the Sandbox server', async () => {
    const a = await start();
    await a.engine.addServer({ name: 'Sandbox', kind: 'sandbox', priority: 1000 });
    const answer = await a.request<{ id: string }>('POST', MESSAGES, {
      key: a.senderA.key,
      body: message(1, { cc: ['Copy <copy@example.org>'], bcc: ['hidden@example.org'], replyTo: 'replies@example.com' }),
    });
    expect(answer.status).toBe(202);
    expect(Object.keys(answer.json as object)).toEqual(['id']);
    const id = answer.json.id;
    expect(id).toMatch(/^msg_/);

    // Committed before the answer: readable at once, by the owner, with every envelope recipient.
    const queued = await a.request<MessageAnswer>('GET', `${MESSAGES}/${id}`, { key: a.senderA.key });
    expect(queued.status).toBe(200);
    expect(queued.json).toMatchObject({ id, status: 'queued', from: 'Ana <ana@example.com>', to: 'rcpt1@example.org', replyTo: 'replies@example.com', subject: 'Message 1' });
    expect(queued.json.recipients.map((r) => [r.address, r.kind, r.status])).toEqual([
      ['rcpt1@example.org', 'to', 'queued'],
      ['copy@example.org', 'cc', 'queued'],
      ['hidden@example.org', 'bcc', 'queued'],
    ]);
    expect(queued.json.events.map((e) => e.type)).toEqual(['queued']);

    a.engine.startWorker();
    await a.engine.waitForStatus([id], ['sent'], 10_000);
    const sent = await a.request<MessageAnswer>('GET', `${MESSAGES}/${id}`, { key: a.senderA.key });
    expect(sent.json.status).toBe('sent');
    expect(sent.json.server).toBe('Sandbox');
    expect(sent.json.recipients.every((r) => r.status === 'sent' && r.code === 250 && r.enhancedCode === '2.0.0')).toBe(true);
    expect(sent.json.recipients[0]?.response).toMatch(/kept in the sandbox/);
    expect(sent.json.events.map((e) => e.type)).toContain('sent');
    const kept = await a.engine.app.store.db.selectFrom('sandbox_messages').select('recipient').where('message_id', '=', id).execute();
    expect(kept.map((k) => k.recipient).sort()).toEqual(['copy@example.org', 'hidden@example.org', 'rcpt1@example.org']);
    // Bcc goes in the envelope only, never in the stored message.
    const raw = await a.request('GET', `${MESSAGES}/${id}/raw`, { key: a.senderA.key });
    expect(raw.text).not.toMatch(/hidden@example\.org/);
  });

  it('keeps attachments and serves each one, the content listing and the raw message back to the owner', async () => {
    const a = await start();
    const pdf = randomBytes(3000);
    pdf[0] = 0x00;
    pdf[1] = 0xff;
    const csv = Buffer.from('id,total\n1001,42.50\n');
    const id = await post(a, a.senderA.key, {
      ...message(1, { subject: 'Quarterly report', text: 'See the attached files.' }),
      attachments: [
        { filename: 'report.pdf', contentType: 'application/pdf', content: pdf.toString('base64') },
        // Line-wrapped base64, as many encoders write it.
        { filename: 'totals.csv', contentType: 'text/csv', content: csv.toString('base64').replace(/(.{8})/g, '$1\r\n') },
      ],
    });

    const got = await a.request<MessageAnswer>('GET', `${MESSAGES}/${id}`, { key: a.senderA.key });
    expect(got.status).toBe(200);
    expect(got.json.content?.text?.trim()).toBe('See the attached files.');
    expect(got.json.content?.attachments).toEqual([
      { index: 0, filename: 'report.pdf', contentType: 'application/pdf', contentId: null, size: pdf.length },
      { index: 1, filename: 'totals.csv', contentType: 'text/csv', contentId: null, size: csv.length },
    ]);

    const first = await a.request('GET', `${MESSAGES}/${id}/attachments/0`, { key: a.senderA.key });
    expect(first.status).toBe(200);
    expect(first.bytes.equals(pdf)).toBe(true);
    expect(first.headers.get('content-type')).toBe('application/pdf');
    expect(first.headers.get('content-disposition')).toBe("attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf");
    expect(first.headers.get('x-content-type-options')).toBe('nosniff');
    const second = await a.request('GET', `${MESSAGES}/${id}/attachments/1`, { key: a.senderA.key });
    expect(second.bytes.equals(csv)).toBe(true);
    expect(second.headers.get('content-disposition')).toBe("attachment; filename=\"totals.csv\"; filename*=UTF-8''totals.csv");

    const missing = await a.request<ErrorBody>('GET', `${MESSAGES}/${id}/attachments/2`, { key: a.senderA.key });
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ error: { code: 'not_found', message: expect.any(String), field: null } });

    const raw = await a.request('GET', `${MESSAGES}/${id}/raw`, { key: a.senderA.key });
    expect(raw.status).toBe(200);
    expect(raw.headers.get('content-type')).toMatch(/^message\/rfc822/);
    expect(raw.headers.get('content-disposition')).toBe(`attachment; filename="${id}.eml"`);
    expect(raw.text).toMatch(/^Subject: Quarterly report\r$/m);
    expect(raw.text).toMatch(/^Message-ID: <msg_[^>]+@example\.com>\r$/m);
    expect(raw.text).toContain('filename=report.pdf');
    // The same bytes as the spool keeps (and a worker would send).
    const stored = await a.engine.app.store.db.selectFrom('message_contents').select('raw').where('message_id', '=', id).executeTakeFirstOrThrow();
    expect(raw.bytes.equals(Buffer.from(stored.raw))).toBe(true);

    const unknown = await a.request<ErrorBody>('GET', `${MESSAGES}/msg_doesnotexist`, { key: a.senderA.key });
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.code).toBe('not_found');
  });

  it('serves an attachment whose filename is outside Latin-1 (RFC 6266 filename*)', async () => {
    const a = await start();
    const id = await post(a, a.senderA.key, { ...message(1), attachments: [{ filename: 'отчёт-報告.txt', contentType: 'text/plain', content: Buffer.from('hi').toString('base64') }] });
    const listed = await a.request<MessageAnswer>('GET', `${MESSAGES}/${id}`, { key: a.senderA.key });
    expect(listed.json.content?.attachments[0]?.filename).toBe('отчёт-報告.txt');
    const file = await a.request('GET', `${MESSAGES}/${id}/attachments/0`, { key: a.senderA.key });
    expect(file.status).toBe(200);
    expect(file.text).toBe('hi');
    expect(file.headers.get('content-disposition')).toContain(`filename*=UTF-8''${encodeURIComponent('отчёт-報告.txt')}`);
  });

  it('keeps tags and metadata, and filters the list by tag, subject text, recipient, status and time', async () => {
    const clock = manualClock(Date.UTC(2026, 0, 5, 9, 0, 0));
    const a = await start({ engine: { clock } });
    const invoice = await post(a, a.senderA.key, message(1, {
      subject: 'Invoice 1001',
      to: ['alice@example.org'],
      tags: ['invoice', 'eu'],
      metadata: { orderId: 1001, customer: 'ACME', paid: true, note: null },
    }));
    clock.advance(3_600_000);
    const news = await post(a, a.senderA.key, message(2, { subject: 'Weekly news', to: ['bob@example.org'], cc: ['carol@example.org'], tags: ['newsletter'] }));
    clock.advance(3_600_000);
    const reminder = await post(a, a.senderA.key, message(3, { subject: 'Your INVOICE is due', to: ['Bob@Example.ORG'], tags: ['invoice'] }));

    const got = await a.request<MessageAnswer>('GET', `${MESSAGES}/${invoice}`, { key: a.senderA.key });
    expect(got.json.tags).toEqual(['invoice', 'eu']);
    expect(got.json.metadata).toEqual({ orderId: 1001, customer: 'ACME', paid: true, note: null });

    const all = await a.request<ListAnswer>('GET', MESSAGES, { key: a.senderA.key });
    expect(ids(all)).toEqual([reminder, news, invoice]);
    expect(all.json.messages[2]).toEqual({
      id: invoice,
      status: 'queued',
      from: 'Ana <ana@example.com>',
      to: 'alice@example.org',
      subject: 'Invoice 1001',
      server: null,
      tags: ['invoice', 'eu'],
      createdAt: '2026-01-05T09:00:00.000Z',
    });
    expect(all.json.nextCursor).toBeNull();

    const list = async (query: string) => {
      const answer = await a.request<ListAnswer>('GET', `${MESSAGES}?${query}`, { key: a.senderA.key });
      expect(answer.status, answer.text).toBe(200);
      return ids(answer);
    };
    expect(await list('tag=invoice')).toEqual([reminder, invoice]);
    expect(await list('tag=eu')).toEqual([invoice]);
    expect(await list('tag=inv')).toEqual([]); // a tag matches whole, not as a substring
    expect(await list('q=invoice')).toEqual([reminder, invoice]); // case-insensitive
    expect(await list('q=news')).toEqual([news]);
    expect(await list('q=100%25')).toEqual([]); // % is text, not a wildcard
    expect(await list('recipient=bob@example.org')).toEqual([reminder, news]);
    expect(await list('recipient=carol@example.org')).toEqual([news]);
    expect(await list('since=2026-01-05T10:00:00Z')).toEqual([reminder, news]); // inclusive
    expect(await list('until=2026-01-05T10:00:00Z')).toEqual([invoice]); // exclusive
    expect(await list('since=2026-01-05T10:00:00%2B00:00&until=2026-01-05T11:00:00Z')).toEqual([news]);
    expect(await list('tag=invoice&since=2026-01-05T10:30:00Z')).toEqual([reminder]);

    const cancelled = await a.request<{ status: string }>('POST', `${MESSAGES}/${news}/cancel`, { key: a.senderA.key });
    expect(cancelled.json.status).toBe('cancelled');
    expect(await list('status=cancelled')).toEqual([news]);
    expect(await list('status=queued')).toEqual([reminder, invoice]);
    expect(await list('status=sent')).toEqual([]);

    const badTime = await a.request<ErrorBody>('GET', `${MESSAGES}?since=yesterday`, { key: a.senderA.key });
    expect(badTime.status).toBe(400);
    expect(badTime.json.error).toMatchObject({ code: 'invalid', field: 'since' });
    const badStatus = await a.request<ErrorBody>('GET', `${MESSAGES}?status=lost`, { key: a.senderA.key });
    expect(badStatus.status).toBe(400);
    expect(badStatus.json.error).toMatchObject({ code: 'invalid', field: 'status' });
  });

  it('matches a tag exactly, the same on every database', async () => {
    const a = await start();
    const id = await post(a, a.senderA.key, message(1, { tags: ['Invoice'] }));
    const list = async (query: string) => ids(await a.request<ListAnswer>('GET', `${MESSAGES}?${query}`, { key: a.senderA.key }));
    expect(await list('tag=Invoice')).toEqual([id]);
    expect(await list('tag=invoice')).toEqual([]);
  });

  it('searches the subject case-insensitively beyond ASCII, the same on every database', async () => {
    const a = await start();
    const id = await post(a, a.senderA.key, message(1, { subject: 'Été à Zürich' }));
    const list = async (q: string) => ids(await a.request<ListAnswer>('GET', `${MESSAGES}?q=${encodeURIComponent(q)}`, { key: a.senderA.key }));
    expect(await list('zürich')).toEqual([id]);
    expect(await list('ZÜRICH')).toEqual([id]);
    expect(await list('été')).toEqual([id]);
  });

  it('pages through the list with a cursor, every message exactly once, newest first', async () => {
    const a = await start();
    const sent: string[] = [];
    for (let n = 0; n < 7; n++) sent.push(await post(a, a.senderA.key, message(n, { tags: [n % 2 === 0 ? 'even' : 'odd'] })));

    const walk = async (query: string): Promise<string[][]> => {
      const pages: string[][] = [];
      let cursor: string | null = null;
      do {
        const answer: { status: number; json: ListAnswer } = await a.request<ListAnswer>('GET', `${MESSAGES}?limit=2${query}${cursor ? `&cursor=${cursor}` : ''}`, { key: a.senderA.key });
        expect(answer.status).toBe(200);
        pages.push(ids(answer));
        cursor = answer.json.nextCursor;
        expect(pages.length).toBeLessThan(10);
      } while (cursor);
      return pages;
    };
    const pages = await walk('');
    expect(pages.map((p) => p.length)).toEqual([2, 2, 2, 1]);
    expect(pages.flat()).toEqual([...sent].reverse());

    const even = await walk('&tag=even');
    expect(even.map((p) => p.length)).toEqual([2, 2]);
    expect(even.flat()).toEqual([sent[6], sent[4], sent[2], sent[0]]);

    // A page that ends exactly at the last message says so.
    const exact = await a.request<ListAnswer>('GET', `${MESSAGES}?limit=7`, { key: a.senderA.key });
    expect(exact.json.messages).toHaveLength(7);
    expect(exact.json.nextCursor).toBeNull();
    const badLimit = await a.request<ErrorBody>('GET', `${MESSAGES}?limit=0`, { key: a.senderA.key });
    expect(badLimit.status).toBe(400);
    expect(badLimit.json.error.field).toBe('limit');
  });

  it('answers a repeated Idempotency-Key with the first id and stores one message; the key is per user', async () => {
    const a = await start();
    const headers = { 'Idempotency-Key': 'order-1001-confirmation' };
    const first = await post(a, a.senderA.key, message(1), headers);
    const again = await post(a, a.senderA.key, message(1), headers);
    expect(again).toBe(first);
    expect(await a.spoolCount()).toBe(1);

    const otherUser = await post(a, a.senderB.key, message(1), headers);
    expect(otherUser).not.toBe(first);
    expect(await a.spoolCount()).toBe(2);
    const owned = await a.request<MessageAnswer>('GET', `${MESSAGES}/${otherUser}`, { key: a.senderB.key });
    expect(owned.status).toBe(200);

    const withoutKey = await post(a, a.senderA.key, message(1));
    expect(withoutKey).not.toBe(first);
    expect(await a.spoolCount()).toBe(3);

    const tooLong = await a.request<ErrorBody>('POST', MESSAGES, { key: a.senderA.key, body: message(1), headers: { 'Idempotency-Key': 'k'.repeat(201) } });
    expect(tooLong.status).toBe(400);
    expect(tooLong.json.error).toMatchObject({ code: 'invalid', field: 'Idempotency-Key' });
    expect(await a.spoolCount()).toBe(3);
  });

  it('stores one message for ten concurrent requests with the same Idempotency-Key', async () => {
    const a = await start();
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => a.request<{ id: string }>('POST', MESSAGES, { key: a.senderA.key, body: message(1), headers: { 'Idempotency-Key': 'burst-1' } })),
    );
    expect(answers.map((r) => r.status)).toEqual(Array(10).fill(202));
    expect(new Set(answers.map((r) => r.json.id)).size).toBe(1);
    expect(await a.spoolCount()).toBe(1);
    const recipients = await a.engine.app.store.db.selectFrom('recipients').select('id').execute();
    expect(recipients).toHaveLength(1);
    const events = await a.engine.app.store.db.selectFrom('events').select('type').execute();
    expect(events.map((e) => e.type)).toEqual(['queued']);

    // The control: ten concurrent requests with different keys are ten messages.
    const distinct = await Promise.all(
      Array.from({ length: 10 }, (_, i) => a.request<{ id: string }>('POST', MESSAGES, { key: a.senderA.key, body: message(i), headers: { 'Idempotency-Key': `distinct-${i}` } })),
    );
    expect(new Set(distinct.map((r) => r.json.id)).size).toBe(10);
    expect(await a.spoolCount()).toBe(11);
  });

  describe('bad input', () => {
    let shared: Api;
    beforeAll(async () => {
      shared = await startApi(kind);
    });
    afterAll(async () => {
      await shared?.close();
    });

    const base64 = Buffer.from('hello').toString('base64');
    const cases: Array<[string, unknown, string]> = [
      ['CR in the subject', message(1, { subject: 'Hello\rBcc: victim@example.net' }), 'subject'],
      ['LF in the subject', message(1, { subject: 'Hello\nBcc: victim@example.net' }), 'subject'],
      ['CR LF in the From display name', message(1, { from: 'Ana\r\nBcc: victim@example.net <ana@example.com>' }), 'from'],
      ['LF in a To display name', message(1, { to: ['ok@example.org', 'Bob\nX-Injected: 1 <bob@example.org>'] }), 'to[1]'],
      ['CR LF in a header value', message(1, { headers: { 'X-Order': '1001\r\nBcc: victim@example.net' } }), 'headers.X-Order'],
      ['an invalid address in to[1]', message(1, { to: ['ok@example.org', 'not-an-address'] }), 'to[1]'],
      ['an invalid cc address', message(1, { cc: ['a@b'] }), 'cc[0]'],
      ['a header name with a colon', message(1, { headers: { 'X-Bad:Name': 'value' } }), 'headers.X-Bad:Name'],
      ['a reserved header', message(1, { headers: { Bcc: 'victim@example.net' } }), 'headers.Bcc'],
      ['attachment content that is not base64', message(1, { attachments: [{ filename: 'a.txt', content: base64 }, { filename: 'b.txt', content: 'not base64!' }] }), 'attachments[1].content'],
      ['a CR in an attachment filename', message(1, { attachments: [{ filename: 'a\r\n.txt', content: base64 }] }), 'attachments[0].filename'],
      ['a missing from', { to: ['rcpt@example.org'], subject: 'Hi', text: 'Hi' }, 'from'],
      ['a from that is a number', message(1, { from: 42 }), 'from'],
      ['no recipient', message(1, { to: [] }), 'to'],
      ['an unknown server', message(1, { server: 'Nowhere' }), 'server'],
      ['a JSON array instead of an object', [message(1)], 'body'],
    ];

    it.each(cases)('rejects %s with 400 naming the field, and writes nothing', async (_name, body, field) => {
      const answer = await shared.request<ErrorBody>('POST', MESSAGES, { key: shared.senderA.key, body });
      expect(answer.status, answer.text).toBe(400);
      expect(answer.json).toEqual({ error: { code: 'invalid', message: expect.stringMatching(/\S/), field } });
      expect(await shared.spoolCount()).toBe(0);
    });

    it('rejects a body that is not JSON with 400, and writes nothing', async () => {
      const answer = await shared.request<ErrorBody>('POST', MESSAGES, { key: shared.senderA.key, body: '{"from": "ana@example.com", "to": [' });
      expect(answer.status).toBe(400);
      expect(answer.json.error).toMatchObject({ code: 'invalid', message: expect.stringMatching(/JSON/) });
      const empty = await shared.request<ErrorBody>('POST', MESSAGES, { key: shared.senderA.key, body: '' });
      expect(empty.status).toBe(400);
      expect(empty.json.error.code).toBe('invalid');
      // text/plain is read as a string, which is not the object the route expects.
      const plain = await shared.request<ErrorBody>('POST', MESSAGES, { key: shared.senderA.key, body: 'hello', headers: { 'content-type': 'text/plain' } });
      expect(plain.status).toBe(400);
      expect(plain.json.error).toMatchObject({ code: 'invalid', field: 'body' });
      const xml = await shared.request<ErrorBody>('POST', MESSAGES, { key: shared.senderA.key, body: '<message/>', headers: { 'content-type': 'application/xml' } });
      expect(xml.status).toBe(415);
      expect(xml.json.error.code).toBe('unsupported_media_type');
      expect(await shared.spoolCount()).toBe(0);
    });

    it('names the field "body" when the body is not JSON', async () => {
      const answer = await shared.request<ErrorBody>('POST', MESSAGES, { key: shared.senderA.key, body: '{"from": ' });
      expect(answer.json.error.field).toBe('body');
    });
  });

  it('answers 413 to a body over the limit and stores nothing', async () => {
    const a = await start({ http: { bodyLimit: 1024 } });
    const big = await a.request<ErrorBody>('POST', MESSAGES, { key: a.senderA.key, body: message(1, { text: 'x'.repeat(2000) }) });
    expect(big.status).toBe(413);
    expect(big.json).toEqual({ error: { code: 'payload_too_large', message: expect.any(String), field: null } });
    expect(await a.spoolCount()).toBe(0);
    // The same request under the limit is accepted: the size, not the content, was refused.
    await post(a, a.senderA.key, message(1, { text: 'x'.repeat(200) }));
    expect(await a.spoolCount()).toBe(1);
  });

  it('answers 401 without a key, with an unknown key and with a revoked key, and writes nothing', async () => {
    const a = await start();
    const unauthorized = { error: { code: 'unauthorized', message: expect.stringMatching(/\S/), field: null } };
    const none = await a.request<ErrorBody>('POST', MESSAGES, { body: message(1) });
    expect(none.status).toBe(401);
    expect(none.json).toEqual(unauthorized);
    const unknown = await a.request<ErrorBody>('GET', MESSAGES, { key: `pr_${randomBytes(32).toString('base64url')}` });
    expect(unknown.status).toBe(401);
    expect(unknown.json).toEqual(unauthorized);
    const notBearer = await a.request<ErrorBody>('GET', MESSAGES, { headers: { authorization: `Basic ${Buffer.from('admin:x').toString('base64')}` } });
    expect(notBearer.status).toBe(401);

    expect((await a.request('GET', MESSAGES, { key: a.senderA.key })).status).toBe(200);
    await revokeApiKey(a.engine.app, a.senderA.keyId);
    const revoked = await a.request<ErrorBody>('POST', MESSAGES, { key: a.senderA.key, body: message(1) });
    expect(revoked.status).toBe(401);
    expect(revoked.json).toEqual(unauthorized);
    expect((await a.request('GET', MESSAGES, { key: a.senderA.key })).status).toBe(401);
    expect(await a.spoolCount()).toBe(0);
    // Other users' keys are untouched.
    expect((await a.request('GET', MESSAGES, { key: a.senderB.key })).status).toBe(200);

    const noRoute = await a.request<ErrorBody>('GET', '/api/v1/nothing-here', { key: a.senderB.key });
    expect(noRoute.status).toBe(404);
    expect(noRoute.json).toEqual({ error: { code: 'not_found', message: expect.any(String), field: null } });
  });

  it('serves the OpenAPI document without a key, listing the message paths', async () => {
    const a = await start();
    const answer = await a.request<{ openapi: string; paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { properties: Record<string, unknown>; required: string[] } }> } }>> }>(
      'GET',
      '/api/v1/openapi.json',
    );
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(answer.json.openapi).toMatch(/^3\.\d+\.\d+$/);
    const paths = answer.json.paths;
    expect(Object.keys(paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/messages',
        '/api/v1/messages/{id}',
        '/api/v1/messages/{id}/raw',
        '/api/v1/messages/{id}/attachments/{n}',
        '/api/v1/messages/{id}/retry',
        '/api/v1/messages/{id}/cancel',
      ]),
    );
    expect(Object.keys(paths['/api/v1/messages']!).sort()).toEqual(['get', 'post']);
    const schema = paths['/api/v1/messages']!.post!.requestBody!.content['application/json']!.schema;
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['from', 'to', 'cc', 'bcc', 'replyTo', 'subject', 'text', 'html', 'attachments', 'headers', 'server', 'tags', 'metadata']));
    expect(schema.required).toEqual(expect.arrayContaining(['from', 'subject']));
    expect(paths['/api/v1/openapi.json']).toBeUndefined();
  });
});

describe('attachment validation cost', () => {
  let api: Api | undefined;
  afterAll(async () => {
    await api?.close();
  });

  it('rejects a long run of line breaks in attachment content quickly', async () => {
    api = await startApi('sqlite');
    const started = performance.now();
    const answer = await api.request<ErrorBody>('POST', MESSAGES, {
      key: api.senderA.key,
      body: message(1, { attachments: [{ filename: 'a.bin', content: `${'\n'.repeat(70_000)}!` }] }),
    });
    const elapsed = performance.now() - started;
    expect(answer.status).toBe(400);
    expect(answer.json.error.field).toBe('attachments[0].content');
    expect(elapsed).toBeLessThan(500);
  });
});
