/**
 * Open and click tracking for relay mail: a credential that asks for it (or a message's
 * X-Postroom-Track header) gets the pixel and click links in its HTML parts — and only there:
 * the text part and the attachments arrive byte for byte — and the links, fetched over real HTTP
 * from the Postroom that sent them, record the open and the click for that message.
 */
import type { AddressInfo } from 'node:net';
import nodemailer from 'nodemailer';
import PostalMime from 'postal-mime';
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildHttpApp } from '../../src/http/index.js';
import { setSetting } from '../../src/servers/settings.js';
import { testDatabaseKinds } from '../helpers/databases.js';
import { startRelay, type Relay } from './relay-harness.js';

const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const HTML = '<html><body><p>Grüße aus dem Shop</p><p><a href="https://shop.example/orders/42?x=1&amp;y=2">Your order</a></p></body></html>';
const PDF = Buffer.from('%PDF-1.4 not really a pdf, but bytes that must not change\n'.repeat(40));

describe.each(testDatabaseKinds())('relay tracking on %s', (kind) => {
  let relay: Relay;
  let http: FastifyInstance | undefined;
  afterEach(async () => {
    await http?.close();
    await relay?.close();
    http = undefined;
  });

  async function setUp(): Promise<string> {
    relay = await startRelay(kind, { credential: { allowFrom: 'shop.example', name: 'Shop', trackOpens: true, trackClicks: true } });
    http = await buildHttpApp(relay.engine.app);
    await http.listen({ host: '127.0.0.1', port: 0 });
    const origin = `http://127.0.0.1:${(http.server.address() as AddressInfo).port}`;
    await setSetting(relay.engine.app.store, 'tracking_base_url', origin);
    return origin;
  }

  const send = async (user: string, pass: string, mail: nodemailer.SendMailOptions): Promise<string> => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: relay.port, secure: false, ignoreTLS: true, auth: { user, pass } });
    try {
      const info = await transport.sendMail({ from: 'orders@shop.example', text: 'Your order is on its way: https://shop.example/orders/42', html: HTML, attachments: [{ filename: 'invoice.pdf', content: PDF }], ...mail });
      return /queued as (msg_\S+)/.exec(info.response)![1]!;
    } finally {
      transport.close();
    }
  };

  it('tracks the HTML part of a tracked credential\'s message, and the links record the open and the click', async () => {
    const origin = await setUp();
    const id = await send(relay.username, relay.password, { to: 'anna@example.org', subject: 'Order 42' });
    relay.engine.startWorker();
    await relay.engine.waitForStatus([id], ['sent']);
    const raw = relay.sink.messages[0]!.raw;
    expect(raw.toString('latin1')).not.toMatch(/[^\r]\n/);
    const parsed = await PostalMime.parse(raw);
    expect(parsed.text!.trim()).toBe('Your order is on its way: https://shop.example/orders/42');
    expect(Buffer.from(parsed.attachments[0]!.content as ArrayBuffer)).toEqual(PDF);
    expect(parsed.html).toContain('Grüße aus dem Shop');
    const escaped = origin.replace(/[.]/g, '\\.');
    const pixel = new RegExp(`<img src="(${escaped}/t/o/[^"]+)"`).exec(parsed.html!)?.[1];
    const link = new RegExp(`href="(${escaped}/t/c/[^"]+)"`).exec(parsed.html!)?.[1];
    expect(pixel, parsed.html).toBeDefined();
    expect(link, parsed.html).toBeDefined();
    const queued = await relay.engine.app.store.db.selectFrom('events').select('detail').where('message_id', '=', id).where('type', '=', 'queued').executeTakeFirstOrThrow();
    expect(queued.detail).toMatch(/; opens and clicks tracked$/);

    expect((await fetch(pixel!, { headers: { 'user-agent': CHROME } })).status).toBe(200);
    const clicked = await fetch(link!, { redirect: 'manual', headers: { 'user-agent': CHROME } });
    expect(clicked.status).toBe(302);
    expect(clicked.headers.get('location')).toBe('https://shop.example/orders/42?x=1&y=2');
    const engagements = await relay.engine.app.store.db.selectFrom('engagements').select(['kind', 'url']).where('message_id', '=', id).orderBy('created_at').orderBy('id').execute();
    expect(engagements).toEqual([
      { kind: 'open', url: null },
      { kind: 'click', url: 'https://shop.example/orders/42?x=1&y=2' },
    ]);
  });

  it('lets a message choose with X-Postroom-Track, takes the header out, and refuses a value it does not know', async () => {
    const origin = await setUp();
    const untracked = await relay.credential({ allowFrom: 'shop.example', name: 'Untracked' });
    const none = await send(relay.username, relay.password, { to: 'a@example.org', subject: 'none', headers: { 'X-Postroom-Track': 'none' } });
    const opensOnly = await send(untracked.username, untracked.password, { to: 'b@example.org', subject: 'opens', headers: { 'X-Postroom-Track': 'opens' } });
    const plain = await send(untracked.username, untracked.password, { to: 'c@example.org', subject: 'plain' });
    await expect(send(relay.username, relay.password, { to: 'd@example.org', subject: 'bad', headers: { 'X-Postroom-Track': 'everything' } })).rejects.toMatchObject({
      responseCode: 550,
      response: expect.stringContaining('5.6.0 Message refused: X-Postroom-Track must be'),
    });
    relay.engine.startWorker();
    await relay.engine.waitForStatus([none, opensOnly, plain], ['sent']);
    const html = async (to: string) => {
      const raw = relay.sink.messages.find((m) => m.to.includes(to))!.raw;
      expect(raw.toString('latin1')).not.toMatch(/^X-Postroom-Track:/im);
      return (await PostalMime.parse(raw)).html!;
    };
    expect(await html('a@example.org')).not.toContain(origin);
    const b = await html('b@example.org');
    expect(b).toContain(`${origin}/t/o/`);
    expect(b).not.toContain(`${origin}/t/c/`);
    expect(await html('c@example.org')).not.toContain(origin);
    expect(await relay.queued()).toBe(3);
  });
});
