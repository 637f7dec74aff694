import type { MessageRow } from '../store/index.js';
import { getRawMessage } from '../spool/index.js';
import { createCampaignRenderer } from '../campaigns/index.js';
import { ApiError } from './api-error.js';
import type { HttpContext } from './context.js';

/** A message's bytes: stored at enqueue, or — for campaign mail — rendered now, as the worker renders it. */
export async function messageRaw(ctx: HttpContext, message: MessageRow): Promise<Buffer> {
  if (message.pruned_at !== null) throw new ApiError(410, 'gone', `the content of message ${message.id} was pruned on ${new Date(message.pruned_at).toISOString()}`);
  if (message.campaign_id === null) return getRawMessage(ctx.store, message.id);
  const rendered = (await createCampaignRenderer(ctx.store, { secrets: ctx.secrets }).render([message])).get(message.id);
  if (!rendered) throw new Error(`campaign ${message.campaign_id} of message ${message.id} is gone`);
  return rendered;
}
