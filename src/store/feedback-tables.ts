/**
 * The feedback loop's tables (migration 0010-feedback): what came back after mail left —
 * inbound messages, the bounces and complaints they held, the suppression list, opens and
 * clicks — and the mailboxes polled for it.
 */
import type { Selectable } from 'kysely';
import type { ServerSecurity } from './tables.js';

/** What a feedback row is; `delayed` is a DSN saying the remote MTA is still trying — not a bounce yet. */
export type FeedbackKind = 'bounce' | 'delayed' | 'complaint' | 'auto-reply' | 'delivered' | 'unknown';
export type FeedbackSource = 'smtp' | 'inbound' | 'mailbox' | 'import';

export interface InboundMessagesTable {
  id: string;
  /** `inbound` (the listener) or `mailbox:<host>` (a polled mailbox). */
  source: string;
  client_ip: string | null;
  mail_from: string | null;
  /** JSON array of the envelope recipients. */
  rcpt_to: string;
  size: number;
  raw: Buffer;
  /** SHA-256 of raw, hex. */
  digest: string;
  kind: FeedbackKind | null;
  /** What processing did, in a sentence. */
  result: string | null;
  error: string | null;
  received_at: number;
}

export interface FeedbackTable {
  id: string;
  kind: FeedbackKind;
  source: FeedbackSource;
  message_id: string | null;
  recipient_id: string | null;
  campaign_id: string | null;
  server_id: string | null;
  address: string | null;
  /** The recipient's domain, for metrics per domain. */
  domain: string | null;
  /** sisimai's taxonomy: userunknown, mailboxfull, … (feedback/bounce-reasons). */
  reason: string;
  hard: number;
  status: string | null;
  code: number | null;
  diagnostic: string | null;
  feedback_type: string | null;
  inbound_id: string | null;
  created_at: number;
}

export const SUPPRESSION_REASONS = ['hard-bounce', 'soft-bounce', 'complaint', 'unsubscribe', 'manual'] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

export interface SuppressionsTable {
  id: string;
  /** Lower-case. */
  address: string;
  /** '' for every message, else a list id: campaigns to that list skip the address. */
  scope: string;
  reason: SuppressionReason;
  detail: string | null;
  message_id: string | null;
  created_at: number;
  /** When the entry stops applying (soft bounces); null: until removed. */
  expires_at: number | null;
}

export type EngagementKind = 'open' | 'click' | 'unsubscribe';

export interface EngagementsTable {
  id: string;
  kind: EngagementKind;
  message_id: string;
  recipient_id: string | null;
  campaign_id: string | null;
  url: string | null;
  /** 1 when a machine made it (privacy proxy, link scanner), not the person. */
  machine: number;
  /** Who, when a machine: `apple-mpp`, `gmail-proxy`, `scanner`, … */
  agent: string | null;
  user_agent: string | null;
  ip: string | null;
  created_at: number;
}

export interface MailboxesTable {
  id: string;
  name: string;
  protocol: 'imap' | 'pop3';
  host: string;
  port: number;
  security: ServerSecurity;
  tls_verify: number;
  tls_ca: string | null;
  username: string;
  /** Sealed (AES-256-GCM). */
  password: string;
  folder: string;
  after_processing: 'delete' | 'move';
  move_to: string;
  interval_seconds: number;
  active: number;
  last_polled_at: number | null;
  /** What the last poll did, or why it failed (the step and the server's answer). */
  last_result: string | null;
  created_at: number;
  updated_at: number;
}

export type FeedbackRow = Selectable<FeedbackTable>;
export type SuppressionRow = Selectable<SuppressionsTable>;
export type EngagementRow = Selectable<EngagementsTable>;
export type InboundMessageRow = Selectable<InboundMessagesTable>;
export type MailboxRow = Selectable<MailboxesTable>;
