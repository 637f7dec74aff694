/**
 * Segments evaluated in SQL on each test database: custom fields (case-insensitive, numbers
 * compared as numbers), lists, status, and engagement ("received any campaign in the last 30
 * days"), combined with all / any; and a campaign whose audience is a list narrowed by a segment.
 */
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { testDatabaseKinds, type TestDatabaseKind } from '../helpers/databases.js';
import { createEngine, type Engine } from '../helpers/engine.js';
import { countAudience, countSegment, createCampaign, createList, importContacts, parseSegment, saveSegment, startCampaign, findCampaign, type SegmentDefinition } from '../../src/campaigns/index.js';

describe.each(testDatabaseKinds())('segments on %s', (kind: TestDatabaseKind) => {
  let engine: Engine | undefined;
  afterEach(async () => {
    await engine?.close();
    engine = undefined;
  });

  async function setup() {
    const e = (engine = await createEngine(kind));
    const vip = await createList(e.app.store, e.app.clock, { name: 'VIP' });
    const csv = ['email,name,country,age,status', 'ana@example.com,Ana,ES,34,', 'bea@example.com,Bea,es,19,', 'cai@example.com,Cai,FR,41,', 'dan@example.com,Dan,,52,unsubscribed', 'eve@example.com,Eve,ES,9,'].join('\n');
    await importContacts(e.app.store, e.app.clock, Readable.from([csv]));
    await importContacts(e.app.store, e.app.clock, Readable.from(['email\nana@example.com\ncai@example.com\n']), { listId: vip.id });
    return { e, vip };
  }
  const count = (e: Engine, definition: unknown) => countSegment(e.app.store, parseSegment(definition), e.app.clock.now());

  it('filters on fields, lists and status, with all and any', async () => {
    const { e, vip } = await setup();
    expect(await count(e, { conditions: [{ field: 'country', op: 'eq', value: 'ES' }] })).toBe(3);
    expect(await count(e, { conditions: [{ field: 'country', op: 'neq', value: 'es' }] })).toBe(2); // FR and no country
    expect(await count(e, { conditions: [{ field: 'country', op: 'not_exists' }] })).toBe(1);
    expect(await count(e, { conditions: [{ field: 'age', op: 'gt', value: 30 }] })).toBe(3); // 34, 41, 52 — not "9" > "30" as text
    expect(await count(e, { conditions: [{ field: 'age', op: 'lt', value: 10 }] })).toBe(1);
    expect(await count(e, { conditions: [{ field: 'email', op: 'starts_with', value: 'A' }] })).toBe(1);
    expect(await count(e, { conditions: [{ field: 'name', op: 'contains', value: 'e' }] })).toBe(2); // Bea, Eve
    expect(await count(e, { conditions: [{ list: vip.id, op: 'in' }] })).toBe(2);
    expect(await count(e, { conditions: [{ list: vip.id, op: 'not_in' }] })).toBe(3);
    expect(await count(e, { conditions: [{ status: 'unsubscribed' }] })).toBe(1);
    expect(await count(e, { match: 'all', conditions: [{ field: 'country', op: 'eq', value: 'ES' }, { list: vip.id, op: 'in' }] })).toBe(1);
    expect(await count(e, { match: 'any', conditions: [{ field: 'country', op: 'eq', value: 'FR' }, { field: 'age', op: 'lt', value: 20 }] })).toBe(3);
    // Values are parameters: quotes and LIKE wildcards are just text.
    expect(await count(e, { conditions: [{ field: 'name', op: 'contains', value: "%' or 1=1 --" }] })).toBe(0);
    expect(() => parseSegment({ conditions: [{ field: 'bad-name', op: 'eq', value: 'x' }] })).toThrow(/definition\.conditions\[0\]\.field/);
    expect(() => parseSegment({ conditions: [{ field: 'country', op: 'eq' }] })).toThrow(/definition\.conditions\[0\]\.value: is required/);
  });

  it('finds who received any campaign in the last 30 days, and narrows a campaign audience with a segment', async () => {
    const { e, vip } = await setup();
    await e.addServer({ name: 'Sandbox', kind: 'sandbox', priority: 1000 });
    const ctx = { store: e.app.store, clock: e.app.clock, lifetimeMs: 3_600_000 };
    const received: SegmentDefinition = parseSegment({ conditions: [{ activity: 'received', campaign: 'any', withinDays: 30, op: 'has' }] });
    expect(await countSegment(e.app.store, received, Date.now())).toBe(0);
    const first = await createCampaign(e.app, { name: 'To VIPs', from: 'news@example.com', subject: 'Hi', html: '<p>Hi</p>', lists: ['VIP'] }, null);
    await startCampaign(ctx, first.id, { expand: true });
    e.startWorker();
    await e.waitForStatus((await e.app.store.db.selectFrom('messages').select('id').where('campaign_id', '=', first.id).execute()).map((m) => m.id), ['sent']);
    expect(await countSegment(e.app.store, received, Date.now())).toBe(2);
    expect(await countSegment(e.app.store, received, Date.now() + 31 * 86_400_000)).toBe(0);
    expect(await countSegment(e.app.store, parseSegment({ conditions: [{ activity: 'received', campaign: first.id, op: 'has_not' }] }), Date.now())).toBe(3);

    // "Spanish contacts who have not had a campaign yet", as a saved segment for a campaign with no list.
    const segment = await saveSegment(e.app.store, e.app.clock, { name: 'New in Spain', definition: { match: 'all', conditions: [{ field: 'country', op: 'eq', value: 'ES' }, { activity: 'received', op: 'has_not' }] } });
    expect(await countAudience(e.app.store, { listIds: [], segment: parseSegment(JSON.parse(segment.definition)), now: Date.now() })).toBe(2); // Bea, Eve
    const second = await createCampaign(e.app, { name: 'Spain', from: 'news@example.com', subject: 'Hola', html: '<p>Hola</p>', segment: 'New in Spain' }, null);
    expect((await startCampaign(ctx, second.id, { expand: true })).total).toBe(2);
    // Lists and a segment together: on VIP and matching.
    expect(await countAudience(e.app.store, { listIds: [vip.id], segment: parseSegment({ conditions: [{ field: 'country', op: 'eq', value: 'FR' }] }), now: Date.now() })).toBe(1);
    await expect(createCampaign(e.app, { name: 'None', from: 'a@example.com', subject: 'x', html: '<p>x</p>' }, null)).rejects.toThrow(/lists: name at least one list or a segment/);
    expect((await findCampaign(e.app.store, second.id)).segment_id).toBe(segment.id);
  });
});
