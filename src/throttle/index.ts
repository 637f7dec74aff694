export { QuotaLedger, quotaLimits, type QuotaLimit, type QuotaDecision } from './quota.js';
export { Semaphore } from './semaphore.js';
export { createSessionSlots, type SessionSlots } from './session-slots.js';
