/**
 * Tracking end to end on each test database: a campaign goes out through a real SMTP server on
 * 127.0.0.1, and the received message's pixel, links and unsubscribe link are fetched over real
 * HTTP from the Postroom that sent it. Asserts on what the database then holds: engagements,
 * events, suppressions and the contact's status.
 */
import { Readable } from 'node:stream';
import PostalMime from 'postal-mime';
import { afterEach, describe, expect, it } from 'vitest';
import { testDatabaseKinds, type TestDatabaseKind } from '../helpers/databases.js';
import { smtpServer } from '../helpers/engine.js';
import { manualClock } from '../helpers/manual-clock.js';
import { startSink, type Sink } from '../helpers/smtp-sink.js';
import { startApi, type Api } from '../http/api-harness.js';
import { createCampaign, createList, importContacts, startCampaign } from '../../src/campaigns/index.js';
import { setSetting } from '../../src/servers/settings.js';
import { trackingTokens } from '../../src/tracking/index.js';

const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const HOUR = 3_600_000;

const HTML = [
  '<html><body><p>Hello {{ contact.name }}</p>',
  '<p><a href="https://shop.example.com/sale?utm_source=news&amp;id={{ contact.code }}">Sale</a></p>',
  '<p><a href="https://shop.example.com/about">About</a> <a href="mailto:help@example.com">Help</a>',
  ' <a data-postroom-notrack href="https://shop.example.com/private">Private</a></p>',
  '<p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p></body></html>',
].join('');

describe.each(testDatabaseKinds())('tracking and unsubscribing on %s', (kind: TestDatabaseKind) => {
  let api: Api | undefined;
  let sink: Sink | undefined;
  afterEach(async () => {
    await api?.close();
    await sink?.close();
    api = sink = undefined;
  });

  async function sendCampaign() {
    const clock = manualClock(Date.now());
    const a = (api = await startApi(kind, { engine: { clock } }));
    const s = (sink = await startSink());
    const { store } = a.engine.app;
    await a.engine.addServer(smtpServer(s.port, { name: 'bulk' }));
    await setSetting(store, 'tracking_base_url', a.origin);
    await setSetting(store, 'bounce_domain', 'bounce.example.com');
    const news = await createList(store, clock, { name: 'News' });
    const offers = await createList(store, clock, { name: 'Offers & deals' });
    const csv = 'email,name,code\nann@example.org,Ann,A-1\nbob@example.org,Bob,B-2\n';
    await importContacts(store, clock, Readable.from([csv]), { listId: news.id });
    await importContacts(store, clock, Readable.from([csv]), { listId: offers.id });
    const campaign = await createCampaign(a.engine.app, { name: 'Spring', from: 'Shop <news@example.com>', subject: 'Spring sale', html: HTML, lists: ['News'] }, null);
    await startCampaign({ store, clock, lifetimeMs: a.engine.app.config.retry.lifetimeMs }, campaign.id, { expand: true });
    a.engine.startWorker();
    await s.waitForMessages(2);
    const messages = await store.db.selectFrom('messages').select(['id', 'to_header']).where('campaign_id', '=', campaign.id).execute();
    await a.engine.waitForStatus(messages.map((m) => m.id), ['sent']);
    // A person reads later than a scanner does: clicks seconds after delivery count as a machine's.
    clock.advance(HOUR);
    const received = async (to: string) => {
      const raw = s.messages.find((m) => m.to[0] === to)!.raw;
      const parsed = await PostalMime.parse(raw);
      const header = (name: string) => parsed.headers.find((h) => h.key === name)?.value;
      return { html: parsed.html!, listUnsubscribe: header('list-unsubscribe'), listUnsubscribePost: header('list-unsubscribe-post'), id: messages.find((m) => m.to_header.includes(to))!.id };
    };
    return { a, store, clock, news, offers, campaign, ann: await received('ann@example.org'), bob: await received('bob@example.org') };
  }

  const get = (url: string, init: RequestInit = {}) => fetch(url, { redirect: 'manual', ...init, headers: { 'user-agent': CHROME, ...(init.headers as Record<string, string>) } });

  it('records opens and clicks through the received message, people and machines apart', async () => {
    const { a, store, ann, bob } = await sendCampaign();
    const origin = a.origin.replace(/[.]/g, '\\.');
    const pixel = new RegExp(`<img src="(${origin}/t/o/[^"]+)" width="1" height="1" alt=""`).exec(ann.html)![1]!;
    const links = [...ann.html.matchAll(new RegExp(`href="(${origin}/t/c/[^"]+)"`, 'g'))].map((m) => m[1]!);
    expect(links).toHaveLength(2);
    expect(ann.html).toContain('href="mailto:help@example.com"');
    expect(ann.html).toContain('data-postroom-notrack href="https://shop.example.com/private"');
    expect(ann.html).toMatch(new RegExp(`<a href="${origin}/u/msg_[a-z0-9_]+\\.[0-9a-f]{20}">Unsubscribe</a>`));

    const opened = await get(pixel);
    expect(opened.status).toBe(200);
    expect(opened.headers.get('content-type')).toBe('image/gif');
    expect(opened.headers.get('cache-control')).toContain('no-store');
    const gif = Buffer.from(await opened.arrayBuffer());
    expect([gif.subarray(0, 6).toString('latin1'), gif.readUInt16LE(6), gif.readUInt16LE(8), gif.at(-1)]).toEqual(['GIF89a', 1, 1, 0x3b]);
    expect((await get(pixel)).status).toBe(200); // a second open: an engagement, no second event
    expect((await get(pixel, { headers: { 'user-agent': 'Mozilla/5.0' } })).status).toBe(200); // Apple MPP

    const clicked = await get(links[0]!);
    expect(clicked.status).toBe(302);
    expect(clicked.headers.get('location')).toBe('https://shop.example.com/sale?utm_source=news&id=A-1');
    expect(clicked.headers.get('referrer-policy')).toBe('no-referrer');
    expect((await get(links[1]!, { method: 'HEAD' })).status).toBe(302); // a link checker

    // A tampered link: no redirect anywhere.
    const token = links[0]!.slice(links[0]!.lastIndexOf('/') + 1);
    const [m, mac, , l] = token.split('.');
    const evil = Buffer.from('https://evil.example/', 'utf8').toString('base64url');
    for (const bad of [`${a.origin}/t/c/${m}.${mac}.${evil}.${l}`, `${links[0]!.slice(0, -1)}A`, `${a.origin}/t/c/`, `${pixel}x`, `${pixel}${'x'.repeat(300)}`, `${links[0]!}/more`]) {
      const answer = await get(bad);
      expect(answer.status, bad).toBe(404);
      expect(answer.headers.get('location')).toBeNull();
    }
    // Signed, but for a message that does not exist.
    const tokens = trackingTokens(a.engine.app.secrets.derive('tracking'));
    expect((await get(`${a.origin}/t/o/${tokens.signMessage('msg_doesnotexist0000')}`)).status).toBe(404);

    // Bob's mail client never opened it; a secure e-mail gateway fetched the pixel.
    const bobPixel = /<img src="([^"]+\/t\/o\/[^"]+)"/.exec(bob.html)![1]!;
    expect((await get(bobPixel, { headers: { 'user-agent': 'Mimecast-URL-Protect/1.0' } })).status).toBe(200);
    expect(await store.db.selectFrom('engagements').select(['kind', 'machine', 'agent']).where('message_id', '=', bob.id).execute()).toEqual([{ kind: 'open', machine: 1, agent: 'mimecast' }]);
    expect(await store.db.selectFrom('events').select('id').where('message_id', '=', bob.id).where('type', '=', 'opened').execute()).toEqual([]);

    const engagements = await store.db.selectFrom('engagements').selectAll().where('message_id', '=', ann.id).orderBy('created_at').orderBy('id').execute();
    expect(engagements.map((e) => [e.kind, e.machine, e.agent, e.url])).toEqual([
      ['open', 0, null, null],
      ['open', 0, null, null],
      ['open', 1, 'apple-mpp', null],
      ['click', 0, null, 'https://shop.example.com/sale?utm_source=news&id=A-1'],
      ['click', 1, 'head-request', 'https://shop.example.com/about'],
    ]);
    expect(engagements.every((e) => e.campaign_id !== null && e.recipient_id !== null && e.ip === '127.0.0.1')).toBe(true);
    const events = await store.db.selectFrom('events').select(['type', 'recipient', 'detail']).where('message_id', '=', ann.id).where('type', 'in', ['opened', 'clicked']).orderBy('id').execute();
    expect(events).toEqual([
      { type: 'opened', recipient: 'ann@example.org', detail: null },
      { type: 'clicked', recipient: 'ann@example.org', detail: 'https://shop.example.com/sale?utm_source=news&id=A-1' },
    ]);
  });

  it('tracks an API message that asks for it, and only that one', async () => {
    const clock = manualClock(Date.now());
    const a = (api = await startApi(kind, { engine: { clock } }));
    const s = (sink = await startSink());
    const { store } = a.engine.app;
    await a.engine.addServer(smtpServer(s.port, { name: 'relay' }));
    await setSetting(store, 'tracking_base_url', a.origin);
    const html = '<p>Your order shipped: <a href="https://shop.example.com/track?o=17&amp;x=1">track it</a></p>';
    const tracked = await a.request<{ id: string }>('POST', '/api/v1/messages', { key: a.senderA.key, body: { from: 'shop@example.com', to: ['ann@example.org'], subject: 'Shipped', html, track: { opens: true, clicks: true } } });
    const plain = await a.request<{ id: string }>('POST', '/api/v1/messages', { key: a.senderA.key, body: { from: 'shop@example.com', to: ['bob@example.org'], subject: 'Shipped', html } });
    expect([tracked.status, plain.status]).toEqual([202, 202]);
    a.engine.startWorker();
    await s.waitForMessages(2);
    // Delivery is recorded (its time is what a click is judged against) before the clock moves on.
    await a.engine.waitForStatus([tracked.json.id, plain.json.id], ['sent']);
    const htmlOf = async (to: string) => (await PostalMime.parse(s.messages.find((m) => m.to[0] === to)!.raw)).html!;
    const annHtml = await htmlOf('ann@example.org');
    const bobHtml = await htmlOf('bob@example.org');
    expect(bobHtml).toContain(html);
    expect(bobHtml).not.toContain('/t/');
    const link = new RegExp(`href="(${a.origin.replace(/[.]/g, '\\.')}/t/c/[^"]+)"`).exec(annHtml)![1]!;
    const pixel = /<img src="([^"]+\/t\/o\/[^"]+)"/.exec(annHtml)![1]!;
    clock.advance(HOUR); // read later: a click seconds after delivery is a scanner's
    expect((await get(pixel)).status).toBe(200);
    const clicked = await get(link);
    expect(clicked.headers.get('location')).toBe('https://shop.example.com/track?o=17&x=1');
    const events = await store.db.selectFrom('events').select(['type', 'recipient']).where('message_id', '=', tracked.json.id).where('type', 'in', ['opened', 'clicked']).orderBy('id').execute();
    expect(events).toEqual([
      { type: 'opened', recipient: 'ann@example.org' },
      { type: 'clicked', recipient: 'ann@example.org' },
    ]);
    const bad = await a.request<{ error: { field: string } }>('POST', '/api/v1/messages', { key: a.senderA.key, body: { from: 'shop@example.com', to: ['c@example.org'], subject: 'x', html, track: { opens: 'yes' } } });
    expect(bad.json.error.field).toBe('track.opens');
  });

  it('unsubscribes only on POST: one-click from everything, idempotent; the page lets one leave lists', async () => {
    const { a, store, ann, bob, news, offers } = await sendCampaign();
    expect(ann.listUnsubscribe).toMatch(new RegExp(`^<mailto:unsubscribe\\+msg_[a-z0-9_]+\\.[0-9a-f]{20}@bounce\\.example\\.com>, <${a.origin.replace(/[.]/g, '\\.')}/u/msg_[a-z0-9_]+\\.[0-9a-f]{20}>$`));
    expect(ann.listUnsubscribePost).toBeUndefined(); // one-click is offered for https links only (RFC 8058 §3.1)
    const page = /<(http[^>]+\/u\/[^>]+)>/.exec(ann.listUnsubscribe!)![1]!;
    const contact = (email: string) => store.db.selectFrom('contacts').select(['id', 'status']).where('email', '=', email).executeTakeFirstOrThrow();
    const suppressions = () => store.db.selectFrom('suppressions').selectAll().orderBy('address').orderBy('scope').execute();
    const unsubscribed = () => store.db.selectFrom('events').select(['message_id', 'detail']).where('type', '=', 'unsubscribed').orderBy('id').execute();

    // A scanner (or the reader) fetching the page changes nothing.
    const shown = await get(page);
    expect(shown.status).toBe(200);
    const csp = shown.headers.get('content-security-policy')!;
    expect(csp).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]+=*'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'$/);
    const body = await shown.text();
    expect(body).toContain('Unsubscribe from all mail from Shop');
    expect(body).toContain(`<input type="checkbox" name="list" value="${news.id}"> News`);
    expect(body).toContain(`<input type="checkbox" name="list" value="${offers.id}"> Offers &amp; deals`);
    expect(body).not.toMatch(/<script/i);
    expect((await contact('ann@example.org')).status).toBe('subscribed');
    expect(await suppressions()).toEqual([]);

    // RFC 8058 one-click, as a mail provider posts it.
    const oneClick = () => get(page, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    const first = await oneClick();
    expect(first.status).toBe(200);
    expect(await first.text()).toBe('Unsubscribed.\n');
    expect((await contact('ann@example.org')).status).toBe('unsubscribed');
    const after = await suppressions();
    expect(after).toEqual([expect.objectContaining({ address: 'ann@example.org', scope: '', reason: 'unsubscribe', message_id: ann.id, expires_at: null })]);
    expect(await unsubscribed()).toEqual([{ message_id: ann.id, detail: 'one-click unsubscribe: everything' }]);

    // The provider retries, this time as multipart: 200, and nothing changes.
    const form = new FormData();
    form.append('List-Unsubscribe', 'One-Click');
    const again = await get(page, { method: 'POST', body: form });
    expect(again.status).toBe(200);
    expect(await suppressions()).toEqual(after);
    expect(await unsubscribed()).toHaveLength(1);
    expect(await store.db.selectFrom('engagements').select('id').where('kind', '=', 'unsubscribe').execute()).toHaveLength(1);
    expect(await (await get(page)).text()).toContain('You are unsubscribed');

    // Bob leaves one list from the page's form; a list he is not on is ignored.
    const bobPage = /<(http[^>]+\/u\/[^>]+)>/.exec(bob.listUnsubscribe!)![1]!;
    const choice = new URLSearchParams([['list', offers.id], ['list', 'lst_someone_elses'], ['action', 'lists']]).toString();
    const left = await get(bobPage, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: choice });
    expect(left.status).toBe(200);
    expect(left.headers.get('content-security-policy')).toBe(csp);
    expect(await left.text()).toContain('You have left Offers &amp; deals.');
    const bobId = (await contact('bob@example.org')).id;
    expect((await contact('bob@example.org')).status).toBe('subscribed');
    expect((await store.db.selectFrom('list_members').select('list_id').where('contact_id', '=', bobId).execute()).map((r) => r.list_id)).toEqual([news.id]);
    expect((await suppressions()).filter((s) => s.address === 'bob@example.org')).toEqual([expect.objectContaining({ scope: offers.id, reason: 'unsubscribe' })]);

    // Then from everything, by the page's other button; a form with no choice changes nothing.
    const form2 = (body: string) => get(bobPage, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    expect((await form2('')).status).toBe(400);
    const everything = await form2('action=all');
    expect(everything.status).toBe(200);
    expect(await everything.text()).toContain('You will get no more mail from Shop.');
    expect((await contact('bob@example.org')).status).toBe('unsubscribed');
    expect(await unsubscribed()).toEqual([
      { message_id: ann.id, detail: 'one-click unsubscribe: everything' },
      { message_id: bob.id, detail: 'page unsubscribe: Offers & deals' },
      { message_id: bob.id, detail: 'page unsubscribe: everything' },
    ]);

    // Bad tokens: 404, nothing written.
    const bad = page.replace(/.$/, (c) => (c === '0' ? '1' : '0'));
    expect((await get(bad)).status).toBe(404);
    expect((await get(`${bad}${'0'.repeat(300)}`)).status).toBe(404);
    expect((await get(bad, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' })).status).toBe(404);
    expect(await unsubscribed()).toHaveLength(3);
  });
});
