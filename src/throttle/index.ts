export { QuotaLedger, quotaLimits, type QuotaLimit, type QuotaDecision } from './quota.js';
export { Semaphore } from './semaphore.js';
export { createSessionSlots, type SessionSlots } from './session-slots.js';
export { SendLog } from './send-log.js';
export { FULL_SPEED, MAX_LEVEL, allowedSessions, delivered, pauseFor, sameState, settle, slowDown, type ThrottleState } from './throttle-state.js';
export { readDestinationThrottles, saveDestinationThrottle, saveServerThrottle, serverThrottle } from './throttle-rows.js';
export { ThrottleScope, type Gate, type ThrottleAnswer } from './throttle-scope.js';
export { ClusterQuota } from './cluster-quota.js';
