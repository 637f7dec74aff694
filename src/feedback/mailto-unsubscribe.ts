/**
 * Mailto unsubscribes (List-Unsubscribe, RFC 2369): mail to `unsubscribe+TOKEN@BOUNCE_DOMAIN`
 * unsubscribes the recipient of the message the token names, from everything — as the
 * one-click POST does. It is carried out when the listener takes the RCPT; a token that does not
 * verify is refused there.
 */
import type { Store } from '../store/index.js';
import type { Clock } from '../lib/clock.js';
import { readUnsubscribeLocalPart, unsubscribeRecipient } from '../tracking/index.js';

export function mailtoUnsubscriber(ctx: { store: Store; clock: Clock; trackingKey: Buffer }): (address: string) => Promise<boolean> {
  return async (address) => {
    const messageId = readUnsubscribeLocalPart(address.slice(0, address.lastIndexOf('@')), ctx.trackingKey);
    if (!messageId) return false;
    return (await unsubscribeRecipient(ctx, { messageId, choice: { all: true }, how: 'mailto' })) !== null;
  };
}
