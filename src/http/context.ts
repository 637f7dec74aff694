import type { App } from '../app/open-app.js';
import type { MessageRow } from '../store/index.js';
import type { User } from '../users/index.js';
import { notFound } from './api-error.js';
import { canSeeContent, canSeeMessage } from './visibility.js';

/** What every route may use: the app (store, clock, config, secrets, log). */
export type HttpContext = App;

/** The message if this user may see it; otherwise 404, as if it did not exist. */
export async function visibleMessage(ctx: HttpContext, user: User, id: string, need: 'metadata' | 'content'): Promise<MessageRow> {
  const message = await ctx.store.db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst();
  if (!message || !canSeeMessage(user, message)) throw notFound('message');
  if (need === 'content' && !canSeeContent(user, message)) throw notFound('message');
  return message;
}
