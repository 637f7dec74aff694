/**
 * Open and click tracking for a relay message that asks for it (its credential's choice, or its
 * X-Postroom-Track header): the HTML parts of the raw MIME get the pixel and the click links,
 * signed for the message's own id, as API mail gets them when it is queued.
 */
import { toCrlf } from '../lib/line-ends.js';
import type { MessageTracker, PreparedMessage } from '../spool/index.js';
import { trackMimeHtml } from '../tracking/track-mime.js';
import { queuedDetail, type Track } from './read-submission.js';

export async function trackSubmission(message: PreparedMessage, track: Track, tracker: MessageTracker | undefined, detail: string): Promise<PreparedMessage> {
  if (!tracker || (!track.opens && !track.clicks)) return message;
  const tracked = await trackMimeHtml(message.raw, (html) => tracker(html, message.id, track));
  if (tracked.changed === 0) return message;
  const raw = toCrlf(tracked.raw);
  const what = [track.opens ? 'opens' : '', track.clicks ? 'clicks' : ''].filter(Boolean).join(' and ');
  return { ...message, raw, queuedDetail: queuedDetail(message.recipients.length, raw.length, `${detail}; ${what} tracked`) };
}
