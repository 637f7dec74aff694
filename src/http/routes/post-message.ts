import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { GroupEnqueuer } from '../../spool/index.js';
import { InputError } from '../../lib/input-error.js';
import { requireUser } from '../auth.js';

/** Base64 once line breaks are removed (a pattern that also allowed them backtracked badly). */
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The request as documented in the OpenAPI file; the spool validates every value once more in depth. */
export const messageBody = z.object({
  from: z.string().describe('Sender: "Name <address>" or an address'),
  to: z.array(z.string()).optional().describe('Recipients'),
  cc: z.array(z.string()).optional(),
  bcc: z.array(z.string()).optional(),
  replyTo: z.string().optional(),
  subject: z.string(),
  text: z.string().optional(),
  html: z.string().optional(),
  attachments: z
    .array(
      z.object({
        filename: z.string(),
        contentType: z.string().optional(),
        content: z.string().describe('The file, base64-encoded'),
        contentId: z.string().optional().describe('For inline images referenced as cid: in the HTML'),
      }),
    )
    .optional(),
  headers: z.record(z.string(), z.string()).optional().describe('Custom headers'),
  server: z.string().optional().describe('Send through this server (name or id) instead of routing by From'),
  tags: z.array(z.string()).optional(),
  metadata: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
  track: z.object({ opens: z.boolean().optional(), clicks: z.boolean().optional() }).optional().describe('Measure opens and clicks of the HTML part (off by default; needs the tracking_base_url setting)'),
});

export function postMessageRoute(app: FastifyInstance, enqueuer: GroupEnqueuer): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    '/messages',
    {
      schema: {
        summary: 'Queue a message; answers 202 once it is committed to the spool',
        headers: z.object({ 'idempotency-key': z.string().optional() }),
        body: messageBody,
        response: { 202: z.object({ id: z.string() }) },
      },
    },
    async (request, reply) => {
      const user = requireUser(request);
      const body = request.body;
      const attachments = (body.attachments ?? []).map((a, i) => {
        if (!BASE64.test(a.content.replace(/[\r\n]/g, ''))) throw new InputError(`attachments[${i}].content`, 'must be base64');
        return { ...a, content: Buffer.from(a.content, 'base64') };
      });
      const idempotencyKey = request.headers['idempotency-key'];
      // Requests arriving together share one commit; each answer still waits for its own.
      const id = await enqueuer.enqueue(
        { ...body, attachments },
        { userId: user.id, ...(typeof idempotencyKey === 'string' ? { idempotencyKey } : {}) },
      );
      return reply.code(202).send({ id });
    },
  );
}
