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

export type MessageStatus = 'queued' | 'sending' | 'sent' | 'deferred' | 'failed' | 'cancelled';
export const MESSAGE_STATUSES: MessageStatus[] = ['queued', 'sending', 'sent', 'deferred', 'failed', 'cancelled'];

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
}

export type ServerKind = 'smtp' | 'sandbox';
export type Security = 'none' | 'starttls' | 'tls';
export type ServerAuth = 'none' | 'password' | 'certificate';
export interface ServerView {
  id: string;
  name: string;
  kind: ServerKind;
  priority: number;
  fromFilter: string;
  active: boolean;
  host: string;
  port: number;
  security: Security;
  auth: ServerAuth;
  username: string | null;
  tlsVerify: boolean;
  tlsCa: string | null;
  maxConcurrent: number | null;
  perMinute: number | null;
  perHour: number | null;
  perDay: number | null;
  pausedUntil: string | null;
  pauseReason: string | null;
  pauseCount: number;
  createdAt: string;
  updatedAt: string;
  hasSecret: boolean;
}
export type TestResult = { ok: true; detail: string } | { ok: false; stage: string; message: string };

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
