import type { Store } from '../store/index.js';
import type { Clock } from '../lib/clock.js';
import type { SecretBox } from '../servers/secret-box.js';
import { openServerSecrets, type OutgoingServer } from '../servers/server-record.js';
import { createSandboxTransport } from './sandbox.js';
import { createSmtpTransport } from './smtp.js';
import type { Transport } from './transport.js';
import type { SessionSlots } from '../throttle/index.js';
import type { TakePermit } from './smtp.js';

export type { Transport, Envelope, SendResult, SendMeta, RecipientAnswer, SessionStage } from './transport.js';
export { openSmtpSession, socketClosed, type SessionTrouble, type SessionOptions } from './smtp-session.js';

export interface TransportDeps {
  store: Store;
  /** Cluster-wide session slots; absent, each process counts only its own sessions. */
  slots?: SessionSlots;
  onError?: (error: unknown) => void;
  clock: Clock;
  secrets: SecretBox;
  clientName: string;
  defaultMaxSessions: number;
}

/** One transport per server, holding that server's sessions. */
export function createTransport(server: OutgoingServer, deps: TransportDeps): Transport {
  switch (server.kind) {
    case 'sandbox':
      return createSandboxTransport(deps.store, deps.clock, server.id);
    case 'smtp':
      return createSmtpTransport(server, openServerSecrets(server, deps.secrets), {
        clientName: deps.clientName,
        maxSessions: server.maxConcurrent ?? deps.defaultMaxSessions,
        takePermit: deps.slots ? permitsFor(deps.slots, server.id, server.maxConcurrent ?? deps.defaultMaxSessions, deps.onError) : undefined,
      });
  }
}

function permitsFor(slots: SessionSlots, serverId: string, size: number, onError: (error: unknown) => void = () => undefined): TakePermit {
  return async () => {
    const slot = await slots.take(serverId, size);
    if (slot === null) return null;
    return () => void slots.give(serverId, slot).catch(onError);
  };
}
export { listSandboxMessages, getSandboxMessage, type InboxReader, type SandboxCopy } from './sandbox-inbox.js';
