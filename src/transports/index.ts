import type { Store } from '../store/index.js';
import type { Clock } from '../lib/clock.js';
import type { SecretBox } from '../servers/secret-box.js';
import { openServerSecrets, type OutgoingServer } from '../servers/server-record.js';
import { createSandboxTransport } from './sandbox.js';
import { createSmtpTransport } from './smtp.js';
import { createDirectTransport } from './direct/direct-transport.js';
import type { Transport } from './transport.js';
import type { SessionSlots } from '../throttle/index.js';
import type { TakePermit } from './smtp.js';
import type { DnsLookup } from '../domains/dns.js';
import type { ShapingRule } from './direct/shaping.js';
import { createAccessTokenSource, type OAuthConfig } from '../oauth/index.js';

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
  /** Direct delivery's MX, A / AAAA and MTA-STS lookups. */
  dns?: DnsLookup;
  direct?: DirectOptions;
  /** Token endpoints of Gmail and Microsoft servers that authenticate with OAuth 2.0. */
  oauth: OAuthConfig;
}

export interface DirectOptions {
  /** Port of MTA-STS policy hosts (443; another only in tests). */
  mtaStsPort: number;
  /** Path of extra CA certificates trusted for MTA-STS policy hosts and MX hosts. */
  mtaStsCa?: string;
  shaping: readonly ShapingRule[];
}

/** One transport per server, holding that server's sessions. */
export function createTransport(server: OutgoingServer, deps: TransportDeps): Transport {
  switch (server.kind) {
    case 'sandbox':
      return createSandboxTransport(deps.store, deps.clock, server.id);
    case 'smtp':
    case 'gmail':
    case 'microsoft':
      return createSmtpTransport(server, openServerSecrets(server, deps.secrets), {
        clientName: server.ehloName ?? deps.clientName,
        maxSessions: server.maxConcurrent ?? deps.defaultMaxSessions,
        takePermit: deps.slots ? permitsFor(deps.slots, server.id, server.maxConcurrent ?? deps.defaultMaxSessions, deps.onError) : undefined,
        ...(server.auth === 'oauth2' && server.kind !== 'smtp'
          ? { accessToken: createAccessTokenSource({ store: deps.store, clock: deps.clock, secrets: deps.secrets, oauth: deps.oauth }, { ...server, kind: server.kind }) }
          : {}),
      });
    case 'direct':
      return createDirectTransport(server, deps);
  }
}

export function permitsFor(slots: SessionSlots, serverId: string, size: number, onError: (error: unknown) => void = () => undefined): TakePermit {
  return async () => {
    const slot = await slots.take(serverId, size);
    if (slot === null) return null;
    return () => void slots.give(serverId, slot).catch(onError);
  };
}
export { listSandboxMessages, getSandboxMessage, type InboxReader, type SandboxCopy } from './sandbox-inbox.js';
