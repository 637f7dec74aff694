/**
 * Open and click tracking for a relay message that asks for it (its credential's choice, or its
 * X-Postroom-Track header): the HTML parts of the raw MIME get the pixel and the click links,
 * signed for the message's own id, as API mail gets them when it is queued. MIME it cannot read
 * is stored untracked, saying why: refusing it with 451 would have the client send it again and
 * again, and never get it through.
 */
import type { Logger } from 'pino';
import { toCrlf } from '../lib/line-ends.js';
import type { MessageTracker, PreparedMessage } from '../spool/index.js';
import { trackMimeHtml } from '../tracking/track-mime.js';
import { queuedDetail, type Track } from './read-submission.js';

export async function trackSubmission(message: PreparedMessage, track: Track, tracker: MessageTracker | undefined, detail: string, log: Logger): Promise<PreparedMessage> {
  if (!tracker || (!track.opens && !track.clicks)) return message;
  let tracked: { raw: Buffer; changed: number };
  try {
    tracked = await trackMimeHtml(message.raw, (html) => tracker(html, message.id, track));
  } catch (error) {
    log.warn({ err: error, messageId: message.id }, 'relay message stored without tracking: its MIME could not be read');
    const why = error instanceof Error ? error.message : String(error);
    return { ...message, queuedDetail: queuedDetail(message.recipients.length, message.raw.length, `${detail}; not tracked: ${why}`) };
  }
  if (tracked.changed === 0) return message;
  const raw = toCrlf(tracked.raw);
  const what = [track.opens ? 'opens' : '', track.clicks ? 'clicks' : ''].filter(Boolean).join(' and ');
  return { ...message, raw, queuedDetail: queuedDetail(message.recipients.length, raw.length, `${detail}; ${what} tracked`) };
}
