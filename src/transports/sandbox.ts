/**
 * The sandbox transport delivers nothing: it keeps each message it "sends", one copy per
 * recipient, so people can try Postroom before connecting a real server.
 */
import type { Store } from '../store/index.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import type { Envelope, SendMeta, SendResult, Transport } from './transport.js';

export function createSandboxTransport(store: Store, clock: Clock, serverId: string): Transport {
  let inUse = 0;
  return {
    async send(envelope: Envelope, raw: Buffer, meta: SendMeta): Promise<SendResult> {
      inUse += 1;
      try {
        const now = clock.now();
        await store.db
          .insertInto('sandbox_messages')
          .values(envelope.to.map((recipient) => ({ id: newId('sbx', now), server_id: serverId, message_id: meta.messageId, recipient, raw, created_at: now })))
          .execute();
        const answer = { code: 250, enhanced: '2.0.0', text: 'kept in the sandbox' };
        return { kind: 'answered', recipients: envelope.to.map((address) => ({ address, accepted: true, answer })) };
      } finally {
        inUse -= 1;
      }
    },
    sessionsInUse: () => inUse,
    async close() {},
  };
}
