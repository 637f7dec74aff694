/**
 * Unsubscribing, public and outside /api/v1:
 *
 *   GET  /u/TOKEN  the confirmation and preferences page. It never unsubscribes by itself: link
 *                  scanners and previews fetch every URL in a message.
 *   POST /u/TOKEN  `List-Unsubscribe=One-Click` (RFC 8058 §3.2, urlencoded or multipart, sent by
 *                  mail providers without cookies) unsubscribes from everything and answers 200;
 *                  the page's form posts its choice here and gets a page back.
 *
 * No CSRF token: the signed token is the only authority, and it can do nothing but unsubscribe
 * the recipient of its own message. The form parsers live in this plugin only, so the API
 * still takes JSON alone.
 */
import { z } from 'zod';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { parseMultipart, parseUrlEncoded, preferencesPage, unsubscribedPage, messagePage, readSubscriptions, trackingTokens, unsubscribeRecipient, UNSUBSCRIBE_CSP } from '../../tracking/index.js';
import type { HttpContext } from '../context.js';

const field = z.union([z.string().max(200), z.array(z.string().max(200)).max(500)]).optional();
const formSchema = z.object({ 'List-Unsubscribe': field, action: field, list: field }).optional();
/** A wildcard, so that no path under /u/ falls through to the web UI's pages. */
const params = z.object({ '*': z.string() });
const all = (value: string | string[] | undefined): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

const BODY_LIMIT = 64 * 1024;

/** Every answer here: no caching, no framing, no Referer (the address holds the token), this CSP. */
async function pageHeaders(_request: unknown, reply: FastifyReply, payload: unknown): Promise<unknown> {
  void reply.header('content-security-policy', UNSUBSCRIBE_CSP);
  void reply.header('referrer-policy', 'no-referrer');
  void reply.header('x-frame-options', 'DENY');
  void reply.header('x-content-type-options', 'nosniff');
  void reply.header('x-robots-tag', 'noindex');
  void reply.header('cache-control', 'no-store');
  return payload;
}

const html = (reply: FastifyReply, status: number, body: string) => reply.code(status).type('text/html; charset=utf-8').send(body);
const gone = (reply: FastifyReply) => html(reply, 404, messagePage('Link not valid', 'This unsubscribe link is not valid. Use the link in the most recent message you received.'));

export function unsubscribeRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const tokens = trackingTokens(ctx.secrets.derive('tracking'));
  void app.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_request, body, done) => done(null, parseUrlEncoded(body as string)));
    scope.addContentTypeParser('multipart/form-data', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (request, body, done) => {
      const fields = parseMultipart(body as string, request.headers['content-type'] ?? '');
      if (fields) done(null, fields);
      else done(Object.assign(new Error('multipart body without its boundary'), { statusCode: 400 }), undefined);
    });
    const typed = scope.withTypeProvider<ZodTypeProvider>();

    typed.get('/u/*', { schema: { hide: true, params }, onSend: pageHeaders }, async (request, reply) => {
      const messageId = tokens.readUnsubscribe(request.params['*']);
      const subscriptions = messageId === null ? null : await readSubscriptions(ctx.store, messageId, ctx.clock.now());
      if (subscriptions === null) return gone(reply);
      return html(reply, 200, preferencesPage(subscriptions));
    });

    typed.post('/u/*', { schema: { hide: true, params, body: formSchema }, onSend: pageHeaders }, async (request, reply) => {
      const messageId = tokens.readUnsubscribe(request.params['*']);
      if (messageId === null) return gone(reply);
      const form = request.body ?? {};
      const seen = { userAgent: request.headers['user-agent'] ?? null, ip: request.ip || null };
      if (all(form['List-Unsubscribe']).some((v) => v.toLowerCase() === 'one-click')) {
        const done = await unsubscribeRecipient(ctx, { messageId, choice: { all: true }, how: 'one-click', ...seen });
        if (done === null) return gone(reply);
        return reply.code(200).type('text/plain; charset=utf-8').send('Unsubscribed.\n');
      }
      const action = all(form.action)[0];
      const lists = all(form.list);
      if (action !== 'all' && !(action === 'lists' && lists.length > 0)) {
        return html(reply, 400, messagePage('Nothing chosen', 'Go back and choose "Unsubscribe from all mail", or tick the lists to leave.'));
      }
      const done = await unsubscribeRecipient(ctx, { messageId, choice: action === 'all' ? { all: true } : { all: false, lists }, how: 'page', ...seen });
      const subscriptions = done && (await readSubscriptions(ctx.store, messageId, ctx.clock.now()));
      if (!done || !subscriptions) return gone(reply);
      if (action === 'lists' && !done.changed) return html(reply, 200, messagePage('Nothing changed', 'You had already left the lists you chose.'));
      return html(reply, 200, unsubscribedPage(subscriptions.sender, action === 'all' ? null : done.lists));
    });
  });
}
