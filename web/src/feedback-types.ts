/** What the API says of the feedback loop: deliverability, the suppression list, polled mailboxes. */
import type { Security } from './types';

/** GET /deliverability: each recipient counted once per group; rates are fractions (0.05 is 5 %). */
export type DeliverabilityGroup = 'campaign' | 'server' | 'domain' | 'day';
export interface DeliverabilityCounts {
  attempted: number;
  delivered: number;
  bounced: number;
  hardBounced: number;
  softBounced: number;
  complained: number;
  opened: number;
  clicked: number;
  unsubscribed: number;
  machineOpened: number;
  machineClicked: number;
}
export interface DeliverabilityRates {
  deliveryRate: number;
  bounceRate: number;
  hardBounceRate: number;
  softBounceRate: number;
  complaintRate: number;
  openRate: number;
  clickRate: number;
  clickToOpenRate: number;
  unsubscribeRate: number;
}
export interface DeliverabilityRow extends DeliverabilityCounts {
  key: string | null;
  rates: DeliverabilityRates;
}
export interface Deliverability {
  by: DeliverabilityGroup;
  rows: DeliverabilityRow[];
}

export type SuppressionReason = 'hard-bounce' | 'soft-bounce' | 'complaint' | 'unsubscribe' | 'manual';
export const SUPPRESSION_REASONS: SuppressionReason[] = ['hard-bounce', 'soft-bounce', 'complaint', 'unsubscribe', 'manual'];
export interface SuppressionView {
  address: string;
  scope: 'global' | 'list';
  listId: string | null;
  reason: SuppressionReason;
  detail: string | null;
  messageId: string | null;
  createdAt: string;
  expiresAt: string | null;
}
export interface SuppressionPage {
  suppressions: SuppressionView[];
  next: string | null;
}
export interface SuppressionImport {
  rows: number;
  added: number;
  errors: Array<{ line: number; reason: string }>;
}

/** GET /mailboxes: a mailbox polled for bounces and complaints, as the API shows it (no password). */
export interface MailboxView {
  id: string;
  name: string;
  protocol: 'imap' | 'pop3';
  host: string;
  port: number;
  security: Security;
  tlsVerify: boolean;
  tlsCa: string | null;
  username: string;
  folder: string;
  afterProcessing: 'delete' | 'move';
  moveTo: string;
  intervalSeconds: number;
  active: boolean;
  lastPolledAt: string | null;
  lastResult: string | null;
  createdAt: string | null;
}
export type MailboxPollResult = { ok: true; processed: number; failed: number; errors: string[] } | { ok: false; step: string; error: string };
