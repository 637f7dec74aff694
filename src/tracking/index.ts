export { createMessageTracker } from './message-tracker.js';
export { trackingTokens, readUnsubscribeLocalPart, unsubscribeAddress, type TrackingTokens } from './tracking-token.js';
export { trackHtml, listUnsubscribeHeaders, decodeAttribute, type TrackOptions } from './track-html.js';
export { loadAgentRules, parseAgentRules, judgeHit, DEFAULT_TIMING, type AgentRule, type Hit, type HitKind, type Verdict, type TimingLimits } from './machine-agents.js';
export { recordEngagement, type EngagementContext, type EngagementInput, type RecordedEngagement } from './record-engagement.js';
export { unsubscribeRecipient, type UnsubscribeChoice, type UnsubscribeInput, type UnsubscribeResult } from './unsubscribe-recipient.js';
export { readSubscriptions, type Subscriptions } from './read-subscriptions.js';
export { preferencesPage, unsubscribedPage, messagePage, UNSUBSCRIBE_CSP } from './unsubscribe-page.js';
export { parseUrlEncoded, parseMultipart, type FormFields } from './form-body.js';
