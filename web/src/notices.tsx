/**
 * Watches the live events for what an operator should hear about without looking:
 * - a server starts failing (several deferrals or failures in a row with no delivery between);
 * - a batch finishes (a burst of sending ends and the queue is empty again);
 * - a campaign finishes, or is paused by the guardrail (its bounce or complaint rate is too high);
 * - failover: a server is marked unhealthy (its mail goes to the next server), or is back.
 */
import { useRef } from 'react';
import { api } from './api';
import { useLiveEvents } from './live-events';
import { useToast } from './toasts';
import { formatAnswer } from './format';
import type { Stats } from './types';

const FAILURES_IN_A_ROW = 3;
const QUIET_MS = 3000;

export function DeliveryNotices() {
  const toast = useToast();
  const errorsInARow = useRef(new Map<string, number>());
  const batch = useRef({ sent: 0, failed: 0, deferred: 0, suppressed: 0, timer: 0 });

  useLiveEvents((event) => {
    if (event.type === 'campaign_finished') {
      toast({ kind: 'success', title: 'Campaign finished', body: event.detail ?? undefined, desktop: true });
      return;
    }
    if (event.type === 'campaign_paused') {
      // The detail names the campaign and says why: "Winter: paused by the guardrail: bounce rate …".
      toast({ kind: 'error', title: 'Campaign paused', body: event.detail ?? undefined, desktop: true });
      return;
    }
    if (event.type === 'server_unhealthy' || event.type === 'server_healthy') {
      // The detail says which server, why, and where its mail goes.
      const unhealthy = event.type === 'server_unhealthy';
      toast({ kind: unhealthy ? 'error' : 'success', title: unhealthy ? 'Server unhealthy' : 'Server back', body: event.detail ?? undefined, desktop: unhealthy });
      return;
    }
    const server = event.server;
    if (server) {
      if (event.type === 'sent') errorsInARow.current.set(server, 0);
      if (event.type === 'deferred' || event.type === 'failed') {
        const count = (errorsInARow.current.get(server) ?? 0) + 1;
        errorsInARow.current.set(server, count);
        if (count === FAILURES_IN_A_ROW) {
          toast({
            kind: 'error',
            title: `Server “${server}” is failing`,
            body: formatAnswer(event.code, event.enhancedCode, event.response) || event.detail || undefined,
            desktop: true,
          });
        }
      }
    }
    if (!['queued', 'sent', 'deferred', 'failed', 'retried', 'cancelled', 'expired', 'suppressed'].includes(event.type)) return;
    const b = batch.current;
    if (event.type === 'sent') b.sent += 1;
    if (event.type === 'failed' || event.type === 'expired') b.failed += 1;
    if (event.type === 'deferred') b.deferred += 1;
    if (event.type === 'suppressed') b.suppressed += 1;
    window.clearTimeout(b.timer);
    b.timer = window.setTimeout(() => void finishBatch(), QUIET_MS);
  });

  async function finishBatch(): Promise<void> {
    const b = batch.current;
    if (b.sent + b.failed + b.suppressed === 0) return;
    const stats = await api<Stats>('GET', '/stats?hours=1').catch(() => null);
    if (!stats || stats.queue.queued + stats.queue.sending > 0) return;
    const { sent, failed, deferred, suppressed } = b;
    batch.current = { sent: 0, failed: 0, deferred: 0, suppressed: 0, timer: 0 };
    const parts = [`${sent} sent`, failed ? `${failed} failed` : '', deferred ? `${deferred} deferred` : '', suppressed ? `${suppressed} suppressed` : ''].filter(Boolean);
    toast({ kind: failed ? 'error' : 'success', title: 'Batch finished', body: parts.join(', '), desktop: true });
  }
  return null;
}
