/** Table types shared by both databases. Times are epoch milliseconds; booleans are 0 / 1. */
import type { Selectable, Insertable, Updateable } from 'kysely';

export type ServerKind = 'smtp' | 'sandbox';
export type ServerSecurity = 'none' | 'starttls' | 'tls';
export type ServerAuth = 'none' | 'password' | 'certificate';
/** `paused`: waiting in a paused campaign; never claimed until the campaign resumes. */
/**
 * `bounced` and `complained` follow `sent` when a bounce or complaint comes back for the
 * recipient; `suppressed` ends a recipient whose address is on the suppression list at send time.
 */
export const RECIPIENT_STATUSES = ['queued', 'sending', 'sent', 'deferred', 'paused', 'failed', 'cancelled', 'bounced', 'complained', 'suppressed'] as const;
export type RecipientStatus = (typeof RECIPIENT_STATUSES)[number];
export type MessageStatus = RecipientStatus;
/**
 * The event log's types; bounced, complained, opened, clicked and unsubscribed come from feedback.
 * `campaign_finished` is a campaign's event: its `message_id` holds the campaign id.
 */
export type EventType = 'queued' | 'sent' | 'deferred' | 'failed' | 'cancelled' | 'retried' | 'held' | 'expired' | 'bounced' | 'complained' | 'opened' | 'clicked' | 'unsubscribed' | 'suppressed' | 'campaign_finished' | 'campaign_paused';

export interface ServersTable {
  id: string;
  name: string;
  kind: ServerKind;
  priority: number;
  from_filter: string;
  active: number;
  host: string;
  port: number;
  security: ServerSecurity;
  auth: ServerAuth;
  username: string | null;
  /** AES-256-GCM sealed JSON of the server's secrets (password, client key, certificate). */
  secret: string | null;
  tls_verify: number;
  tls_ca: string | null;
  max_concurrent: number | null;
  per_minute: number | null;
  per_hour: number | null;
  per_day: number | null;
  /** Set after a 421 or a rate-limit answer: no worker sends through this server before then. */
  paused_until: number | null;
  pause_reason: string | null;
  pause_count: number;
  created_at: number;
  updated_at: number;
}

export interface SettingsTable {
  key: string;
  value: string;
}

export interface MessagesTable {
  id: string;
  status: MessageStatus;
  from_address: string;
  from_header: string;
  reply_to: string | null;
  to_header: string;
  subject: string;
  requested_server_id: string | null;
  server_id: string | null;
  message_id_header: string;
  size: number;
  created_at: number;
  updated_at: number;
  expires_at: number;
  /** The user who sent it (null: the command line or the system). */
  user_id: string | null;
  /** JSON array of strings. */
  tags: string;
  /** JSON object. */
  metadata: string;
  /** Set for campaign mail: rendered at send time from the campaign and the contact. */
  campaign_id: string | null;
  contact_id: string | null;
}

export interface MessageContentsTable {
  message_id: string;
  raw: Buffer;
}

export interface RecipientsTable {
  id: string;
  message_id: string;
  address: string;
  kind: 'to' | 'cc' | 'bcc';
  status: RecipientStatus;
  attempts: number;
  /** When the row is next due; while `sending`, when its lease ends. */
  next_attempt_at: number;
  lease_owner: string | null;
  server_id: string | null;
  last_code: number | null;
  last_enhanced: string | null;
  last_response: string | null;
  updated_at: number;
  /** 0: transactional, claimed first; 1: bulk (campaigns). */
  priority: number;
}

export interface EventsTable {
  id: string;
  message_id: string;
  recipient: string | null;
  type: EventType;
  server_id: string | null;
  attempt: number | null;
  code: number | null;
  enhanced: string | null;
  response: string | null;
  detail: string | null;
  created_at: number;
}

export interface SandboxMessagesTable {
  id: string;
  server_id: string;
  message_id: string;
  recipient: string;
  raw: Buffer;
  created_at: number;
}

export interface ServerSlotsTable {
  server_id: string;
  slot: number;
  /** The worker holding this slot, or null when free. */
  owner: string | null;
  expires_at: number;
}

export type UserRole = 'admin' | 'sender';

export interface UsersTable {
  id: string;
  email: string;
  role: UserRole;
  /** scrypt: `scrypt$N$r$p$salt$hash`, salt and hash in base64. */
  password_hash: string;
  must_change_password: number;
  created_at: number;
  updated_at: number;
}

export interface ApiKeysTable {
  id: string;
  user_id: string;
  name: string;
  /** The first characters of the key, to tell keys apart; the key itself is never stored. */
  prefix: string;
  /** SHA-256 of the whole key, hex. */
  hash: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface IdempotencyKeysTable {
  user_id: string;
  key: string;
  message_id: string;
  created_at: number;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  /** SHA-256 of the cookie's token, hex. */
  token_hash: string;
  csrf_token: string;
  created_at: number;
  expires_at: number;
}

export interface WebhooksTable {
  id: string;
  user_id: string;
  url: string;
  /** JSON array of webhook event names (`message.sent`, …). */
  events: string;
  /** The signing secret, sealed with AES-256-GCM. */
  secret: string;
  active: number;
  created_at: number;
  updated_at: number;
}

export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface WebhookDeliveriesTable {
  id: string;
  webhook_id: string;
  event_id: string;
  /** The webhook event name (`message.sent`), not the event log's type. */
  event_type: string;
  /** The JSON body, fixed when the delivery is created so every attempt sends the same bytes. */
  payload: string;
  status: WebhookDeliveryStatus;
  /** Attempts started; counted when one is claimed. */
  attempts: number;
  /** When the row is next due; while an attempt is in flight, when its lease ends. */
  next_attempt_at: number;
  first_attempt_at: number | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

export interface WebhookCursorTable {
  name: string;
  /** Every event up to this id has been turned into deliveries. */
  event_id: string;
  updated_at: number;
}

export type ContactStatus = 'subscribed' | 'unsubscribed' | 'bounced' | 'complained';

export interface ContactsTable {
  id: string;
  /** Normalised: trimmed and lower-case; unique. */
  email: string;
  name: string;
  /** JSON object of custom fields. */
  fields: string;
  /** IANA time zone (Europe/Madrid), or null to use the campaign's. */
  time_zone: string | null;
  status: ContactStatus;
  created_at: number;
  updated_at: number;
}

export interface ListsTable {
  id: string;
  name: string;
  description: string;
  created_at: number;
  updated_at: number;
}

export interface ListMembersTable {
  list_id: string;
  contact_id: string;
  added_at: number;
}

export type ContactImportStatus = 'running' | 'finished' | 'failed';

export interface ContactImportsTable {
  id: string;
  user_id: string | null;
  list_id: string | null;
  filename: string;
  status: ContactImportStatus;
  bytes_total: number;
  bytes_read: number;
  rows_read: number;
  created_count: number;
  updated_count: number;
  error_count: number;
  /** JSON array of {line, reason}: the first rows that could not be imported. */
  errors: string;
  /** Why the whole import stopped, when it did. */
  failure: string | null;
  created_at: number;
  finished_at: number | null;
}

export type TemplateFormat = 'html' | 'mjml';

export interface TemplatesTable {
  id: string;
  name: string;
  format: TemplateFormat;
  /** Liquid. */
  subject: string;
  /** What the author wrote: HTML or MJML, with Liquid. */
  source: string;
  /** The hand-written plain-text part (Liquid), or null to use text_generated. */
  text: string | null;
  /** Ready to render: MJML compiled, CSS inlined, Liquid still in place. */
  html: string;
  text_generated: string;
  created_at: number;
  updated_at: number;
}

export type CampaignStatus = 'draft' | 'scheduled' | 'sending' | 'paused' | 'finished' | 'cancelled';

export interface CampaignsTable {
  id: string;
  name: string;
  status: CampaignStatus;
  user_id: string | null;
  /** Liquid. */
  subject: string;
  from_header: string;
  from_address: string;
  reply_to: string | null;
  template_id: string | null;
  /** The content as sent: the template's (copied when the campaign is made) or its own. */
  html: string;
  text: string | null;
  text_generated: string;
  /** JSON array of list ids. */
  list_ids: string;
  /** A segment the audience must also match (with lists: contacts on the lists that match it). */
  segment_id: string | null;
  /** The server to send with; null: the bulk_server setting, else normal routing. */
  server_id: string | null;
  /** JSON: when to send (see campaigns/schedule.ts). */
  schedule: string;
  /** Recipients made so far by expansion. */
  total: number;
  /** The last contact id expanded: expansion resumes after it if interrupted. */
  expand_cursor: string | null;
  /** 1 once every contact of the audience has its message. */
  expanded: number;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  finished_at: number | null;
  /** 0 / 1: an open pixel in each message; links through the click tracker. */
  track_opens: number;
  track_clicks: number;
  /** Why the campaign was paused, when Postroom paused it (the guardrail); null when a user did. */
  pause_reason: string | null;
}

export interface SegmentsTable {
  id: string;
  name: string;
  /** JSON: the filter (see campaigns/segment.ts). */
  definition: string;
  created_at: number;
  updated_at: number;
}

export interface DomainsTable {
  id: string;
  /** Lower-case, without a trailing dot. */
  name: string;
  created_at: number;
  updated_at: number;
  checked_at: number | null;
  /** JSON: the last live DNS check. */
  last_check: string | null;
}

export type DkimAlgorithm = 'rsa' | 'ed25519';
export type DkimKeyState = 'active' | 'pending' | 'retired';

export interface DkimKeysTable {
  id: string;
  domain_id: string;
  selector: string;
  algorithm: DkimAlgorithm;
  /** PKCS#8 PEM, sealed with the secret key. */
  private_key: string;
  /** The base64 `p=` value of the DNS record. */
  public_key: string;
  state: DkimKeyState;
  created_at: number;
  activated_at: number | null;
}

export type FeedbackKind = 'bounce' | 'complaint' | 'auto-reply' | 'delivered' | 'unknown';
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

export type SuppressionReason = 'hard-bounce' | 'soft-bounce' | 'complaint' | 'unsubscribe' | 'manual';

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

export interface Database {
  servers: ServersTable;
  settings: SettingsTable;
  messages: MessagesTable;
  message_contents: MessageContentsTable;
  recipients: RecipientsTable;
  events: EventsTable;
  sandbox_messages: SandboxMessagesTable;
  server_slots: ServerSlotsTable;
  users: UsersTable;
  api_keys: ApiKeysTable;
  idempotency_keys: IdempotencyKeysTable;
  sessions: SessionsTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_cursor: WebhookCursorTable;
  contacts: ContactsTable;
  lists: ListsTable;
  list_members: ListMembersTable;
  contact_imports: ContactImportsTable;
  templates: TemplatesTable;
  campaigns: CampaignsTable;
  segments: SegmentsTable;
  domains: DomainsTable;
  dkim_keys: DkimKeysTable;
  inbound_messages: InboundMessagesTable;
  feedback: FeedbackTable;
  suppressions: SuppressionsTable;
  engagements: EngagementsTable;
  mailboxes: MailboxesTable;
}

export type ServerRow = Selectable<ServersTable>;
export type NewServerRow = Insertable<ServersTable>;
export type ServerRowUpdate = Updateable<ServersTable>;
export type MessageRow = Selectable<MessagesTable>;
export type RecipientRow = Selectable<RecipientsTable>;
export type EventRow = Selectable<EventsTable>;
export type UserRow = Selectable<UsersTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type WebhookRow = Selectable<WebhooksTable>;
export type WebhookDeliveryRow = Selectable<WebhookDeliveriesTable>;
export type ContactRow = Selectable<ContactsTable>;
export type ListRow = Selectable<ListsTable>;
export type ContactImportRow = Selectable<ContactImportsTable>;
export type TemplateRow = Selectable<TemplatesTable>;
export type CampaignRow = Selectable<CampaignsTable>;
export type SegmentRow = Selectable<SegmentsTable>;
export type DomainRow = Selectable<DomainsTable>;
export type DkimKeyRow = Selectable<DkimKeysTable>;
export type FeedbackRow = Selectable<FeedbackTable>;
export type SuppressionRow = Selectable<SuppressionsTable>;
export type EngagementRow = Selectable<EngagementsTable>;
export type InboundMessageRow = Selectable<InboundMessagesTable>;
export type MailboxRow = Selectable<MailboxesTable>;
