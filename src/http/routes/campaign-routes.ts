/**
 * Campaigns over HTTP: create a draft, start it, pause, resume, cancel, retry the failed, and
 * read its progress (also as a live stream), its recipients and its report. A sender sees and
 * changes their own campaigns; an admin, every campaign.
 */
import { z } from 'zod';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  campaignInputSchema,
  campaignProgress,
  campaignRecipients,
  campaignTimeline,
  cancelCampaign,
  countAudience,
  createCampaign,
  findCampaign,
  findList,
  findSegment,
  parseSegment,
  pauseCampaign,
  resumeCampaign,
  retryFailedRecipients,
  startCampaign,
  writeCampaignReport,
} from '../../campaigns/index.js';
import { RECIPIENT_STATUSES, type CampaignRow } from '../../store/index.js';
import { InputError } from '../../lib/input-error.js';
import { requireUser } from '../auth.js';
import { ApiError, notFound } from '../api-error.js';
import type { HttpContext } from '../context.js';

const params = z.object({ id: z.string().max(200) });

export function campaignView(c: CampaignRow) {
  return {
    id: c.id,
    name: c.name,
    status: c.status,
    subject: c.subject,
    from: c.from_header,
    replyTo: c.reply_to,
    templateId: c.template_id,
    listIds: JSON.parse(c.list_ids) as string[],
    segmentId: c.segment_id,
    serverId: c.server_id,
    schedule: JSON.parse(c.schedule) as Record<string, unknown>,
    total: c.total,
    createdAt: new Date(Number(c.created_at)).toISOString(),
    startedAt: c.started_at === null ? null : new Date(Number(c.started_at)).toISOString(),
    finishedAt: c.finished_at === null ? null : new Date(Number(c.finished_at)).toISOString(),
    trackOpens: c.track_opens === 1,
    trackClicks: c.track_clicks === 1,
    /** Why Postroom paused it (the guardrail); null when it is not paused or a user paused it. */
    pauseReason: c.pause_reason,
  };
}

async function visibleCampaign(ctx: HttpContext, request: FastifyRequest, id: string): Promise<CampaignRow> {
  const user = requireUser(request);
  const campaign = await findCampaign(ctx.store, id).catch((error: unknown) => {
    if (error instanceof InputError) throw notFound('campaign');
    throw error;
  });
  if (user.role !== 'admin' && campaign.user_id !== user.id) throw notFound('campaign');
  return campaign;
}

/** A change refused because of the campaign's state is a conflict, not bad input. */
const conflict = (error: unknown): never => {
  if (error instanceof InputError && error.field === 'status') throw new ApiError(409, 'conflict', error.reason);
  throw error;
};

export function campaignRoutes(app: FastifyInstance, ctx: HttpContext, closing: AbortSignal): void {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  const expand = { store: ctx.store, clock: ctx.clock, lifetimeMs: ctx.config.retry.lifetimeMs };

  typed.get('/campaigns', { schema: { summary: 'Campaigns, newest first (a sender: their own)' } }, async (request) => {
    const user = requireUser(request);
    let query = ctx.store.db.selectFrom('campaigns').selectAll().orderBy('id', 'desc').limit(200);
    if (user.role !== 'admin') query = query.where('user_id', '=', user.id);
    return { campaigns: (await query.execute()).map(campaignView) };
  });

  typed.post('/campaigns', { schema: { summary: 'Create a draft campaign', body: campaignInputSchema } }, async (request, reply) => {
    const row = await createCampaign(ctx, request.body, requireUser(request).id);
    return reply.code(201).send(campaignView(row));
  });

  typed.post(
    '/campaigns/audience',
    {
      schema: {
        summary: 'How many contacts lists and / or a segment reach (subscribed, each address once); the live count of the editors',
        body: z.object({ lists: z.array(z.string().max(200)).max(100).default([]), segment: z.string().max(200).optional(), definition: z.unknown().optional().describe('An unsaved segment definition') }),
      },
    },
    async (request) => {
      requireUser(request);
      const listIds: string[] = [];
      for (const [i, name] of request.body.lists.entries()) listIds.push((await findList(ctx.store, name, `lists[${i}]`)).id);
      const now = ctx.clock.now();
      const segment = request.body.definition !== undefined ? parseSegment(request.body.definition) : request.body.segment ? parseSegment(JSON.parse((await findSegment(ctx.store, request.body.segment, 'segment')).definition)) : null;
      if (listIds.length === 0 && !segment) return { contacts: 0 };
      return { contacts: await countAudience(ctx.store, { listIds, segment, now }) };
    },
  );

  typed.get('/campaigns/:id', { schema: { summary: 'A campaign with its progress and outcomes over time', params } }, async (request) => {
    const campaign = await visibleCampaign(ctx, request, request.params.id);
    const now = ctx.clock.now();
    return { ...campaignView(campaign), progress: await campaignProgress(ctx.store, campaign, now), timeline: await campaignTimeline(ctx.store, campaign, now) };
  });

  const change = (action: string, summary: string, run: (campaign: CampaignRow) => Promise<unknown>) =>
    typed.post(`/campaigns/:id/${action}`, { schema: { summary, params } }, async (request) => {
      const campaign = await visibleCampaign(ctx, request, request.params.id);
      await run(campaign).catch(conflict);
      const current = await findCampaign(ctx.store, campaign.id);
      return { ...campaignView(current), progress: await campaignProgress(ctx.store, current, ctx.clock.now()) };
    });
  change('send', 'Start a draft: now, or when its schedule says (its messages are queued in the background)', (c) => startCampaign(expand, c.id));
  change('pause', 'Pause: messages in flight finish, the rest wait', (c) => pauseCampaign(ctx.store, ctx.clock, c.id));
  change('resume', 'Resume a paused campaign', (c) => resumeCampaign(ctx.store, ctx.clock, c.id));
  change('cancel', 'Cancel everything not sent yet', (c) => cancelCampaign(ctx.store, ctx.clock, c.id));
  change('retry-failed', 'Manage delivery: queue the failed recipients again, and only those', (c) => retryFailedRecipients(ctx.store, ctx.clock, c.id, ctx.config.retry.lifetimeMs));

  typed.get(
    '/campaigns/:id/recipients',
    {
      schema: {
        summary: "The campaign's recipients with their state and last SMTP answer",
        params,
        querystring: z.object({ status: z.enum(RECIPIENT_STATUSES).optional(), cursor: z.string().max(100).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }),
      },
    },
    async (request) => {
      const campaign = await visibleCampaign(ctx, request, request.params.id);
      const { status, cursor, limit } = request.query;
      const rows = await campaignRecipients(ctx.store, campaign.id, { status, after: cursor, limit: limit + 1 });
      const page = rows.slice(0, limit);
      return { recipients: page, nextCursor: rows.length > limit ? page.at(-1)!.messageId : null };
    },
  );

  typed.get('/campaigns/:id/report.csv', { schema: { summary: 'Every recipient with state and last SMTP answer, as CSV', params } }, async (request, reply) => {
    const campaign = await visibleCampaign(ctx, request, request.params.id);
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="campaign-${campaign.id}.csv"` });
    await writeCampaignReport(ctx.store, campaign, reply.raw);
    reply.raw.end();
  });

  typed.get('/campaigns/:id/stream', { schema: { summary: 'Live progress (server-sent events, one `progress` event a second until the campaign ends)', params } }, async (request, reply) => {
    const campaign = await visibleCampaign(ctx, request, request.params.id);
    reply.hijack();
    const out = reply.raw;
    out.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    let closed = false;
    request.raw.once('close', () => (closed = true));
    try {
      while (!closed && !closing.aborted) {
        const current = await findCampaign(ctx.store, campaign.id);
        const progress = await campaignProgress(ctx.store, current, ctx.clock.now());
        out.write(`event: progress\ndata: ${JSON.stringify(progress)}\n\n`);
        if (current.status === 'finished' || current.status === 'cancelled') {
          out.write(`event: ${current.status}\ndata: ${JSON.stringify({ id: current.id })}\n\n`);
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    } catch (error) {
      request.log.error({ err: error }, 'campaign stream failed');
    } finally {
      out.end();
    }
  });
}
