/**
 * The confidentiality matrix over real HTTP: sender A, sender B and an admin, each asking for
 * messages sent by A, by B and from the command line (no owner), through list / get / content /
 * attachment / raw / retry / cancel. A sender sees and acts on only their own messages — anyone
 * else's id answers exactly as an id that does not exist (404, not 403). An admin sees every
 * message's delivery metadata and may retry or cancel it, but content, attachments and the raw
 * message only of messages without another owner.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds, type TestDatabaseKind } from '../helpers/databases.js';
import type { MessageView } from '../../src/spool/index.js';
import { startApi, type Api, type ErrorBody } from './api-harness.js';

type Actor = 'senderA' | 'senderB' | 'admin';
type Owner = 'senderA' | 'senderB' | 'cli';

type MessageAnswer = MessageView & { content: { text: string | null; attachments: Array<{ filename: string }> } | null };

interface Row {
  actor: Actor;
  owner: Owner;
  /** Sees it in GET /messages, and GET /messages/:id answers 200. */
  sees: boolean;
  /** content in GET /messages/:id, GET …/attachments/0 and GET …/raw. */
  content: boolean;
  /** POST …/retry and …/cancel. */
  acts: boolean;
}

const MATRIX: Row[] = [
  { actor: 'senderA', owner: 'senderA', sees: true, content: true, acts: true },
  { actor: 'senderA', owner: 'senderB', sees: false, content: false, acts: false },
  { actor: 'senderA', owner: 'cli', sees: false, content: false, acts: false },
  { actor: 'senderB', owner: 'senderA', sees: false, content: false, acts: false },
  { actor: 'senderB', owner: 'senderB', sees: true, content: true, acts: true },
  { actor: 'senderB', owner: 'cli', sees: false, content: false, acts: false },
  { actor: 'admin', owner: 'senderA', sees: true, content: false, acts: true },
  { actor: 'admin', owner: 'senderB', sees: true, content: false, acts: true },
  // A message without an owner (sent from the command line) is the admins' to read (visibility.ts).
  { actor: 'admin', owner: 'cli', sees: true, content: true, acts: true },
];

const MESSAGES = '/api/v1/messages';
const SECRET_TEXT: Record<Owner, string> = { senderA: 'payroll for A', senderB: 'contract for B', cli: 'nightly report' };

/** A message as a client posts it; the command line hands the spool the attachment's bytes instead of base64. */
function input(owner: Owner, n: number): Record<string, unknown> {
  const attachment = Buffer.from(`attachment of ${owner}`);
  return {
    from: `${owner}@example.com`,
    to: [`${owner}-rcpt${n}@example.org`],
    subject: `From ${owner} #${n}`,
    text: SECRET_TEXT[owner],
    attachments: [{ filename: `${owner}.txt`, contentType: 'text/plain', content: owner === 'cli' ? attachment : attachment.toString('base64') }],
    tags: [owner],
  };
}

const label = (r: Row): string => `${r.actor} × ${r.owner}'s message`;

describe.each(testDatabaseKinds())('confidentiality on %s', (kind: TestDatabaseKind) => {
  let api: Api;
  const ids = {} as Record<Owner, string>;
  const recipients = {} as Record<Owner, string>;
  let counter = 0;
  /** What an id that never existed answers: every hidden message must answer exactly this. */
  let nothing: { status: number; json: ErrorBody };

  /** A new queued message of `owner`'s (retry and cancel change what they touch). */
  async function send(owner: Owner): Promise<string> {
    counter += 1;
    if (owner === 'cli') return api.engine.enqueue(input('cli', counter));
    const answer = await api.request<{ id: string }>('POST', MESSAGES, { key: api[owner].key, body: input(owner, counter) });
    expect(answer.status).toBe(202);
    return answer.json.id;
  }

  beforeAll(async () => {
    api = await startApi(kind);
    for (const owner of ['senderA', 'senderB', 'cli'] as const) {
      ids[owner] = await send(owner);
      recipients[owner] = `${owner}-rcpt${counter}@example.org`;
    }
    nothing = await api.request<ErrorBody>('GET', `${MESSAGES}/msg_000000000000000000000000`, { key: api.admin.key });
    expect(nothing.status).toBe(404);
    expect(nothing.json).toEqual({ error: { code: 'not_found', message: expect.any(String), field: null } });
  });
  afterAll(async () => {
    await api?.close();
  });

  const expectHidden = (answer: { status: number; json: unknown }): void => {
    expect(answer.status).toBe(404);
    expect(answer.json).toEqual(nothing.json);
  };

  it.each(['senderA', 'senderB', 'admin'] as const)('list: %s sees exactly the messages of the matrix', async (actor) => {
    const answer = await api.request<{ messages: Array<{ id: string }> }>('GET', `${MESSAGES}?limit=500`, { key: api[actor].key });
    expect(answer.status).toBe(200);
    const expected = MATRIX.filter((r) => r.actor === actor && r.sees).map((r) => ids[r.owner]);
    const listed = answer.json.messages.map((m) => m.id).filter((id) => Object.values(ids).includes(id));
    expect(listed.sort()).toEqual(expected.sort());
    // Filters cannot widen the view: another owner's recipient, tag or subject finds nothing.
    for (const owner of ['senderA', 'senderB', 'cli'] as const) {
      const sees = MATRIX.find((r) => r.actor === actor && r.owner === owner)!.sees;
      for (const query of [`recipient=${recipients[owner]}`, `tag=${owner}`, `q=${encodeURIComponent(`From ${owner}`)}`]) {
        const filtered = await api.request<{ messages: Array<{ id: string }> }>('GET', `${MESSAGES}?${query}`, { key: api[actor].key });
        expect(filtered.status).toBe(200);
        expect(filtered.json.messages.map((m) => m.id).includes(ids[owner]), `${actor} ?${query}`).toBe(sees);
      }
    }
  });

  it.each(MATRIX)('get, content, attachment and raw: $actor × $owner', async (row) => {
    const key = api[row.actor].key;
    const id = ids[row.owner];
    const got = await api.request<MessageAnswer>('GET', `${MESSAGES}/${id}`, { key });
    const attachment = await api.request('GET', `${MESSAGES}/${id}/attachments/0`, { key });
    const raw = await api.request('GET', `${MESSAGES}/${id}/raw`, { key });
    if (!row.sees) {
      for (const answer of [got, attachment, raw]) expectHidden(answer);
      return;
    }
    expect(got.status, label(row)).toBe(200);
    // Delivery metadata: status, recipients, events.
    expect(got.json).toMatchObject({ id, status: 'queued', recipients: [{ address: expect.stringMatching(new RegExp(`^${row.owner}-rcpt`)), status: 'queued' }] });
    expect(got.json.events.map((e) => e.type)).toEqual(['queued']);
    if (row.content) {
      expect(got.json.content?.text?.trim()).toBe(SECRET_TEXT[row.owner]);
      expect(got.json.content?.attachments.map((a) => a.filename)).toEqual([`${row.owner}.txt`]);
      expect(attachment.status).toBe(200);
      expect(attachment.text).toBe(`attachment of ${row.owner}`);
      expect(raw.status).toBe(200);
      expect(raw.text).toContain(`Subject: From ${row.owner}`);
    } else {
      expect(got.json.content).toBeNull();
      expect(got.text).not.toContain(SECRET_TEXT[row.owner]);
      expectHidden(attachment);
      expectHidden(raw);
    }
  });

  it.each(MATRIX)('retry and cancel: $actor × $owner', async (row) => {
    const key = api[row.actor].key;
    const id = await send(row.owner);
    const retried = await api.request<{ id: string; status: string; recipients: number }>('POST', `${MESSAGES}/${id}/retry`, { key });
    const cancelled = await api.request<{ id: string; status: string; recipients: number }>('POST', `${MESSAGES}/${id}/cancel`, { key });
    const after = await api.engine.message(id);
    if (!row.acts) {
      expectHidden(retried);
      expectHidden(cancelled);
      // Nothing changed: still queued, and no event but the first.
      expect(after.message.status).toBe('queued');
      expect(after.events.map((e) => e.type)).toEqual(['queued']);
      return;
    }
    expect(retried.status, label(row)).toBe(200);
    expect(retried.json).toEqual({ id, status: 'queued', recipients: 1 });
    expect(cancelled.status, label(row)).toBe(200);
    expect(cancelled.json).toEqual({ id, status: 'cancelled', recipients: 1 });
    expect(after.message.status).toBe('cancelled');
    expect(after.events.map((e) => e.type)).toEqual(['queued', 'retried', 'cancelled']);
    // Cancelled twice is a conflict, answered in the error shape.
    const again = await api.request<ErrorBody>('POST', `${MESSAGES}/${id}/cancel`, { key });
    expect(again.status).toBe(409);
    expect(again.json).toEqual({ error: { code: expect.any(String), message: expect.stringMatching(/cancelled/), field: null } });
  });
});

describe.each(testDatabaseKinds())('retry of a sent message on %s', (kind: TestDatabaseKind) => {
  let api: Api | undefined;
  afterEach(async () => {
    await api?.close();
  });

  it('answers 409 to its owner and to an admin, and 404 to another sender', async () => {
    api = await startApi(kind);
    await api.engine.addServer({ name: 'Sandbox', kind: 'sandbox', priority: 1000 });
    const answer = await api.request<{ id: string }>('POST', MESSAGES, { key: api.senderA.key, body: input('senderA', 1) });
    const id = answer.json.id;
    api.engine.startWorker();
    await api.engine.waitForStatus([id], ['sent'], 10_000);

    for (const actor of ['senderA', 'admin'] as const) {
      const retried = await api.request<ErrorBody>('POST', `${MESSAGES}/${id}/retry`, { key: api[actor].key });
      expect(retried.status, actor).toBe(409);
      expect(retried.json).toEqual({ error: { code: expect.any(String), message: expect.stringMatching(/is sent/), field: null } });
      const cancelled = await api.request<ErrorBody>('POST', `${MESSAGES}/${id}/cancel`, { key: api[actor].key });
      expect(cancelled.status, actor).toBe(409);
    }
    // Another sender learns nothing, not even that the message is in a state that cannot change.
    const theirs = await api.request<ErrorBody>('POST', `${MESSAGES}/${id}/retry`, { key: api.senderB.key });
    expect(theirs.status).toBe(404);
    expect(theirs.json.error.code).toBe('not_found');
    const detail = await api.engine.message(id);
    expect(detail.message.status).toBe('sent');
    expect(detail.events.map((e) => e.type)).not.toContain('retried');
  });

  // A client tells "fix your input" (400, invalid) from "the message is past changing" (409) by code.
  it('names a 409 with its own error code', async () => {
    api = await startApi(kind);
    const id = await api.engine.enqueue(input('cli', 1));
    expect((await api.request('POST', `${MESSAGES}/${id}/cancel`, { key: api.admin.key })).status).toBe(200);
    const again = await api.request<ErrorBody>('POST', `${MESSAGES}/${id}/cancel`, { key: api.admin.key });
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe('conflict');
  });
});
