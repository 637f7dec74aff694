/**
 * Campaign tables (migrations 0006–0008 and 0010): contacts and their lists, contact imports,
 * templates, campaigns and segments.
 */
import type { Selectable } from 'kysely';

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

export type ContactRow = Selectable<ContactsTable>;
export type ListRow = Selectable<ListsTable>;
export type ContactImportRow = Selectable<ContactImportsTable>;
export type TemplateRow = Selectable<TemplatesTable>;
export type CampaignRow = Selectable<CampaignsTable>;
export type SegmentRow = Selectable<SegmentsTable>;
