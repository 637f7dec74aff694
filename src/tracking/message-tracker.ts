/**
 * Tracking for a message sent through the API that asks for it (`track: { opens, clicks }`): its
 * HTML gets the pixel and the click links when it is queued, signed for its own message id —
 * campaign mail, rendered at send time, gets them there instead. The tracking base is a setting,
 * read at most every few seconds rather than per request.
 */
import type { Store } from '../store/index.js';
import type { MessageTracker } from '../spool/index.js';
import { getSettings, trackingBase } from '../servers/settings.js';
import { trackingTokens } from './tracking-token.js';
import { trackHtml } from './track-html.js';

const SETTINGS_TTL_MS = 5_000;

export function createMessageTracker(store: Store, secrets: { derive(purpose: string): Buffer }): MessageTracker {
  const tokens = trackingTokens(secrets.derive('tracking'));
  let cached: { base: string | null; at: number } | null = null;
  const base = async (): Promise<string | null> => {
    if (!cached || Date.now() - cached.at > SETTINGS_TTL_MS) cached = { base: trackingBase(await getSettings(store)), at: Date.now() };
    return cached.base;
  };
  return async (html, messageId, track) => {
    const at = await base();
    return at ? trackHtml(html, { base: at, messageId, opens: track.opens, clicks: track.clicks, tokens }) : html;
  };
}
