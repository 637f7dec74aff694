/** The shapes the API answers with (see /api/v1/openapi.json). */

export type Role = 'admin' | 'sender';
export interface SessionUser {
  id: string;
  email: string;
  role: Role;
  mustChangePassword: boolean;
}
export interface SessionInfo {
  user: SessionUser;
  csrfToken: string | null;
}

/**
 * A message's status is its recipients' (the one most in play): `bounced` and `complained` follow
 * `sent` when a bounce or complaint comes back; `suppressed`: not sent, the address is on the
 * suppression list; `paused`: waiting in a paused campaign.
 */
export type MessageStatus = 'queued' | 'sending' | 'sent' | 'deferred' | 'paused' | 'failed' | 'bounced' | 'complained' | 'suppressed' | 'cancelled';
/** The status tabs of the Emails page, in the order of a message's life. */
export const MESSAGE_STATUSES: MessageStatus[] = ['queued', 'sending', 'sent', 'deferred', 'failed', 'bounced', 'complained', 'suppressed', 'cancelled'];
/** Statuses shown in red: the mail did not get through, or came back. */
export const BAD_STATUSES: ReadonlySet<string> = new Set(['failed', 'bounced', 'complained', 'expired']);

export interface MessageSummary {
  id: string;
  status: MessageStatus;
  from: string;
  to: string;
  subject: string;
  server: string | null;
  tags: string[];
  createdAt: string;
}
export interface MessagePage {
  messages: MessageSummary[];
  nextCursor: string | null;
}

export interface RecipientView {
  address: string;
  kind: string;
  status: string;
  attempts: number;
  nextAttemptAt: string | null;
  code: number | null;
  enhancedCode: string | null;
  response: string | null;
}

export interface EventView {
  id: string;
  at: string;
  type: string;
  messageId: string;
  recipient: string | null;
  server: string | null;
  attempt: number | null;
  code: number | null;
  enhancedCode: string | null;
  response: string | null;
  detail: string | null;
}

export interface MessageContent {
  headers: Array<{ name: string; value: string }>;
  text: string | null;
  html: string | null;
  attachments: Array<{ index: number; filename: string | null; contentType: string; contentId: string | null; size: number }>;
}

export interface MessageDetail {
  id: string;
  status: MessageStatus;
  from: string;
  to: string;
  replyTo: string | null;
  subject: string;
  tags: string[];
  metadata: Record<string, unknown>;
  server: string | null;
  messageId: string;
  size: number;
  createdAt: string;
  expiresAt: string;
  recipients: RecipientView[];
  events: EventView[];
  content: MessageContent | null;
  /** When `postroom prune` deleted its body and events (null: never). */
  contentPrunedAt: string | null;
}

export * from './server-types';
import type { ServerKind } from './server-types';

export type Settings = Record<string, string | null>;

export interface UserView {
  id: string;
  email: string;
  role: Role;
  mustChangePassword: boolean;
  createdAt: string;
}
export interface ApiKeyView {
  id: string;
  userId: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** GET /stats: the dashboard's numbers. */
export interface OutcomeCounts {
  sent: number;
  deferred: number;
  failed: number;
}
export type ServerHealth = 'ok' | 'failing' | 'paused' | 'inactive' | 'idle';
export interface Stats {
  since: string;
  until: string;
  bucketMs: number;
  buckets: Array<{ start: string } & OutcomeCounts>;
  totals: OutcomeCounts;
  queue: { queued: number; deferred: number; sending: number; oldestDueAt: string | null };
  servers: Array<{
    id: string;
    name: string;
    kind: ServerKind;
    active: boolean;
    health: ServerHealth;
    lastHour: OutcomeCounts;
    last24h: OutcomeCounts;
    lastError: { at: string; response: string | null; code: number | null } | null;
  }>;
}

/** GET /sandbox/messages: mail kept by sandbox servers, one copy per recipient. */
export interface SandboxSummary {
  id: string;
  messageId: string;
  server: string;
  recipient: string;
  from: string;
  subject: string;
  receivedAt: string;
}
export interface SandboxPage {
  messages: SandboxSummary[];
  nextCursor: string | null;
}
export interface SandboxDetail extends SandboxSummary {
  content: MessageContent;
}

export type ContactStatus = 'subscribed' | 'unsubscribed' | 'bounced' | 'complained';
export const CONTACT_STATUSES: ContactStatus[] = ['subscribed', 'unsubscribed', 'bounced', 'complained'];

export interface ContactView {
  id: string;
  email: string;
  name: string | null;
  fields: Record<string, unknown>;
  timeZone: string | null;
  status: ContactStatus;
  createdAt: string;
  updatedAt: string;
}
export interface ContactPage {
  contacts: ContactView[];
  nextCursor: string | null;
  counts: Record<ContactStatus, number>;
}
export interface ContactDetail extends ContactView {
  lists: Array<{ id: string; name: string; addedAt: string }>;
  messages: Array<{ id: string; status: string; subject: string; campaign: string | null; createdAt: string }>;
}
export interface ContactList {
  id: string;
  name: string;
  description: string;
  members: number;
}

export interface ContactImport {
  id: string;
  filename: string;
  listId: string | null;
  status: 'running' | 'finished' | 'failed';
  bytesTotal: number;
  bytesRead: number;
  rows: number;
  created: number;
  updated: number;
  errors: number;
  rowErrors: Array<{ line: number; reason: string }>;
  failure: string | null;
  createdAt: string;
  finishedAt: string | null;
}

export type SegmentCondition =
  | { field: string; op: 'eq' | 'neq' | 'contains' | 'starts_with' | 'gt' | 'lt' | 'exists' | 'not_exists'; value?: string | number }
  | { list: string; op: 'in' | 'not_in' }
  | { status: ContactStatus }
  | { activity: 'received' | 'opened' | 'clicked'; campaign: string; withinDays: number; op: 'has' | 'has_not' };
export interface SegmentDefinition {
  match: 'all' | 'any';
  conditions: SegmentCondition[];
}
export interface SegmentView {
  id: string;
  name: string;
  definition: SegmentDefinition;
  createdAt: string;
  updatedAt: string;
}

export interface TemplateView {
  id: string;
  name: string;
  format: 'html' | 'mjml';
  subject: string;
  source: string;
  text: string | null;
  html: string;
  textGenerated: boolean;
  createdAt: string;
  updatedAt: string;
}
export interface RenderedTemplate {
  subject: string;
  html: string;
  text: string;
}

export type CampaignStatus = 'draft' | 'scheduled' | 'sending' | 'paused' | 'finished' | 'cancelled';
export interface CampaignSchedule {
  kind: 'now' | 'at' | 'local';
  at?: string | number;
  localTime?: string;
  date?: string;
  timeZone?: string;
  window?: { start: string; end: string };
  spreadHours?: number;
}
export interface CampaignView {
  id: string;
  name: string;
  status: CampaignStatus;
  subject: string;
  from: string;
  replyTo: string | null;
  templateId: string | null;
  listIds: string[];
  segmentId: string | null;
  serverId: string | null;
  schedule: CampaignSchedule & Record<string, unknown>;
  total: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /**
   * Why Postroom paused it ("Paused by the guardrail: …"); null when sending or paused by a
   * person. Optional: not every API version says it (see campaign-page.tsx).
   */
  pauseReason?: string | null;
  trackOpens?: boolean;
  trackClicks?: boolean;
}
export type CampaignRecipientStatus = 'queued' | 'sending' | 'sent' | 'deferred' | 'paused' | 'failed' | 'bounced' | 'complained' | 'suppressed' | 'cancelled';
export interface CampaignProgress {
  id: string;
  name: string;
  status: CampaignStatus;
  total: number;
  expanded: boolean;
  recipients: Record<CampaignRecipientStatus, number>;
  remaining: number;
  ratePerMinute: number;
  eta: string | null;
  startedAt: string | null;
  finishedAt: string | null;
}
export interface CampaignDetail extends CampaignView {
  progress: CampaignProgress;
  timeline: { bucketMs: number; buckets: Array<{ start: string; sent: number; deferred: number; failed: number }> };
}
export interface CampaignRecipient {
  messageId: string;
  address: string;
  status: CampaignRecipientStatus;
  attempts: number;
  code: number | null;
  enhancedCode: string | null;
  response: string | null;
  updatedAt: string;
}

export interface DomainKeyView {
  selector: string;
  algorithm: 'rsa' | 'ed25519';
  state: 'active' | 'pending' | 'retired';
  createdAt: string;
  activatedAt: string | null;
}
export interface RecordCheckView {
  kind: 'dkim' | 'spf' | 'dmarc' | 'return-path' | 'tracking';
  name: string;
  status: 'ok' | 'warn' | 'fail';
  reason: string;
  found: string[];
  selector?: string;
  keyState?: DomainKeyView['state'];
}
export interface DomainCheckView {
  domain: string;
  checkedAt: string;
  ok: boolean;
  checks: RecordCheckView[];
  switchedTo?: string | null;
}
export interface DomainView {
  id: string;
  name: string;
  keys: DomainKeyView[];
  checkedAt: string | null;
  lastCheck: DomainCheckView | null;
  createdAt: string;
}
export interface DomainRecordView {
  kind: RecordCheckView['kind'];
  name: string;
  type: 'TXT' | 'MX' | 'CNAME';
  value: string;
  strings?: string[];
  priority?: number;
  note: string;
  warnings: string[];
  zone: string | null;
}

export interface PresendCheckView {
  id: string;
  title: string;
  status: 'pass' | 'warn' | 'fail';
  penalty: number;
  explanation: string;
}
export interface PresendReport {
  target: string;
  from: string;
  subject: string;
  score: number;
  verdict: 'good' | 'fair' | 'poor';
  checks: PresendCheckView[];
}
