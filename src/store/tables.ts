/** Table types shared by both databases. Times are epoch milliseconds; booleans are 0 / 1. */
import type { Selectable, Insertable, Updateable } from 'kysely';

/** `direct`: Postroom's own delivery to the recipients' MX hosts; `gmail` / `microsoft`: an account's SMTP with OAuth 2.0 or an app password. */
export const SERVER_KINDS = ['smtp', 'sandbox', 'direct', 'gmail', 'microsoft'] as const;
export type ServerKind = (typeof SERVER_KINDS)[number];
export const SERVER_SECURITIES = ['none', 'starttls', 'tls'] as const;
export type ServerSecurity = (typeof SERVER_SECURITIES)[number];
export const SERVER_AUTHS = ['none', 'password', 'certificate', 'oauth2'] as const;
export type ServerAuth = (typeof SERVER_AUTHS)[number];
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
export type EventType = 'queued' | 'sent' | 'deferred' | 'failed' | 'cancelled' | 'retried' | 'held' | 'expired' | 'bounced' | 'complained' | 'opened' | 'clicked' | 'unsubscribed' | 'suppressed' | 'campaign_finished' | 'campaign_paused' | 'server_unhealthy' | 'server_healthy';

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
  /** Name sent with EHLO; null: the host name. */
  ehlo_name: string | null;
  /** Direct delivery: comma-separated local IPv4 / IPv6 addresses to send from, in turn; '' for the system's choice. */
  source_addresses: string;
  /** Gmail / Microsoft: the account's address (Microsoft sends only as it). */
  account: string | null;
  /** Slow-down level after a provider's "slow down" answer: concurrency and rate are halved per level. */
  throttle_level: number;
  /** When the current level steps back down by one (a gradual return). */
  throttle_until: number | null;
  throttle_reason: string | null;
  /** While slowed down: the most messages per minute (halved per level from what was being sent). */
  throttle_rate: number | null;
  /** How long each slow-down level lasts (the matching rule's duration). */
  throttle_period: number | null;
  /** Consecutive connection or TLS failures; reset by a session that opens. */
  health_failures: number;
  /** Set once health_failures reaches the limit: routing passes the server over until a Test Connection succeeds. */
  unhealthy_since: number | null;
  unhealthy_reason: string | null;
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
  /** The SMTP credential it was submitted with (null: not through the relay). */
  smtp_credential_id: string | null;
  /** When `postroom prune` deleted its content and events (null: never); the row and its recipients stay. */
  pruned_at: number | null;
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

/** A relay login of a user's (src/users/smtp-credentials.ts). */
export interface SmtpCredentialsTable {
  id: string;
  user_id: string;
  name: string;
  username: string;
  /** SHA-256 of the password, hex; the password itself is shown once and never stored. */
  password_hash: string;
  /** The From addresses and domains it may send as: a From filter that is never empty. */
  allowed_from: string;
  lane: 'transactional' | 'bulk';
  /** The server its mail must go through (null: routing decides). */
  server_id: string | null;
  /** 1: the HTML of its messages gets the open pixel (unless a message's X-Postroom-Track says otherwise). */
  track_opens: number;
  /** 1: the HTML of its messages gets click links. */
  track_clicks: number;
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

import type { CampaignsTable, ContactImportsTable, ContactsTable, ListMembersTable, ListsTable, SegmentsTable, TemplatesTable } from './campaign-tables.js';
import type { EngagementsTable, FeedbackTable, InboundMessagesTable, MailboxesTable, SuppressionsTable } from './feedback-tables.js';
import type { DestinationThrottlesTable, OAuthGrantsTable, OAuthStatesTable, RateWindowsTable } from './delivery-tables.js';
import type { EventCountsTable } from './retention-tables.js';

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
  destination_throttles: DestinationThrottlesTable;
  oauth_grants: OAuthGrantsTable;
  oauth_states: OAuthStatesTable;
  rate_windows: RateWindowsTable;
  smtp_credentials: SmtpCredentialsTable;
  event_counts: EventCountsTable;
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
export type DomainRow = Selectable<DomainsTable>;
export type DkimKeyRow = Selectable<DkimKeysTable>;
