export { QuotaLedger, quotaLimits, type QuotaLimit, type QuotaDecision } from './quota.js';
export { Semaphore } from './semaphore.js';
