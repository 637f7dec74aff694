/**
 * One campaign as it sends: live progress (queued, sent, deferred, failed, remaining, rate, ETA)
 * over the campaign's event stream, its deliverability (bounces, complaints, opens, clicks), its
 * outcomes over time, its recipients with their last SMTP answer and the CSV report; pause,
 * resume, cancel, and "Manage delivery → retry failed recipients only". A campaign the guardrail
 * paused says why beside its Resume button.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, errorText, query } from '../api';
import { useApiGet } from '../use-api';
import { Link } from '../router';
import { useToast } from '../toasts';
import { formatAgo, formatAnswer, formatDateTime, formatNumber } from '../format';
import { ActivityChart } from '../components/activity-chart';
import { Card, Empty, ErrorNote, Loading, Page, StatusBadge } from '../components/ui';
import { NotFoundPage } from './not-found-page';
import { PresendPanel } from '../components/presend-panel';
import { CampaignDeliverability } from '../components/campaign-deliverability';
import { BAD_STATUSES, type CampaignDetail, type CampaignProgress, type CampaignRecipient, type CampaignRecipientStatus, type CampaignStatus, type EventView } from '../types';

const TIMELINE_EVERY_MS = 5000;
const ENDED: CampaignStatus[] = ['finished', 'cancelled'];
/** Recipients whose delivery is over, one way or another. */
const FINAL: CampaignRecipientStatus[] = ['sent', 'failed', 'bounced', 'complained', 'suppressed', 'cancelled'];
const GUARDRAIL = /^(Paused by the guardrail:)\s*(.*)$/s;

/** The campaign's progress as the stream reports it (once a second), from the first load until it ends. */
function useLiveProgress(id: string, status: CampaignStatus | undefined): CampaignProgress | null {
  const [progress, setProgress] = useState<CampaignProgress | null>(null);
  const live = status !== undefined && status !== 'draft' && !ENDED.includes(status);
  useEffect(() => {
    if (!live) return;
    setProgress(null);
    const source = new EventSource(`/api/v1/campaigns/${encodeURIComponent(id)}/stream`);
    source.addEventListener('progress', (event) => setProgress(JSON.parse((event as MessageEvent<string>).data) as CampaignProgress));
    const end = () => source.close();
    source.addEventListener('finished', end);
    source.addEventListener('cancelled', end);
    return () => source.close();
  }, [id, live]);
  return progress;
}

/**
 * Why the campaign is paused, when Postroom (the guardrail) paused it; null when a person did.
 * The campaign's `pauseReason` when the API gives it; from an API without it, the detail of the
 * campaign's latest `campaign_paused` event, which the guardrail writes with the same reason
 * ("Winter: paused by the guardrail: …"). Read again whenever the campaign is, as the event is
 * written just after the pause.
 */
function usePauseReason(c: CampaignDetail | null, status: CampaignStatus | undefined): string | null {
  const known = c !== null && 'pauseReason' in c;
  const events = useApiGet<{ events: EventView[] }>(c && status === 'paused' && !known ? `/events${query({ type: 'campaign_paused', limit: 100 })}` : null);
  const { reload } = events;
  const read = useRef<CampaignDetail | null>(null);
  useEffect(() => {
    // The first load of the page fetches by itself; later loads of the campaign fetch again.
    if (read.current !== null && c !== read.current) reload();
    read.current = c;
  }, [c, reload]);
  if (!c || status !== 'paused') return null;
  if (known) return c.pauseReason ?? null;
  const detail = events.data?.events.find((e) => e.messageId === c.id)?.detail;
  if (!detail) return null;
  const reason = detail.startsWith(`${c.name}: `) ? detail.slice(c.name.length + 2) : detail;
  return reason.charAt(0).toUpperCase() + reason.slice(1);
}

export function CampaignPage({ id }: { id: string }) {
  const toast = useToast();
  const detail = useApiGet<CampaignDetail>(`/campaigns/${encodeURIComponent(id)}`);
  const [busy, setBusy] = useState(false);
  const [recipientsVersion, setRecipientsVersion] = useState(0);
  const streamed = useLiveProgress(id, detail.data?.status);
  const { reload } = detail;

  // The stream's numbers are newer than the page's; a change of state (started, finished) loads the rest again.
  const progress = streamed && detail.data && streamed.id === detail.data.id ? streamed : (detail.data?.progress ?? null);
  const status = progress?.status ?? detail.data?.status;
  const shownStatus = detail.data?.status;
  const pauseReason = usePauseReason(detail.data, status);
  useEffect(() => {
    if (status && shownStatus && status !== shownStatus) {
      reload();
      setRecipientsVersion((v) => v + 1);
    }
  }, [status, shownStatus, reload]);
  // Bars of the timeline move while it sends.
  useEffect(() => {
    if (status !== 'sending') return;
    const timer = window.setInterval(reload, TIMELINE_EVERY_MS);
    return () => window.clearInterval(timer);
  }, [status, reload]);

  const act = useCallback(
    async (action: 'send' | 'pause' | 'resume' | 'cancel' | 'retry-failed', done: string) => {
      setBusy(true);
      try {
        await api('POST', `/campaigns/${encodeURIComponent(id)}/${action}`);
        toast({ kind: 'success', title: done });
        reload();
        setRecipientsVersion((v) => v + 1);
      } catch (e) {
        toast({ kind: 'error', title: `Could not ${action.replace('-', ' ')} the campaign`, body: errorText(e) });
      } finally {
        setBusy(false);
      }
    },
    [id, reload, toast],
  );

  if (detail.status === 404) return <NotFoundPage what="campaign" />;
  if (detail.error && !detail.data) return <Page title="Campaign">{<ErrorNote error={detail.error} onRetry={reload} />}</Page>;
  if (!detail.data || !progress || !status) return <Loading what="Loading campaign" />;
  const c = detail.data;
  const r = progress.recipients;
  const done = FINAL.reduce((sum, state) => sum + r[state], 0);
  const percent = progress.total ? Math.min(100, Math.round((done / progress.total) * 100)) : 0;
  const totals = c.timeline.buckets.reduce((t, b) => ({ sent: t.sent + b.sent, deferred: t.deferred + b.deferred, failed: t.failed + b.failed }), { sent: 0, deferred: 0, failed: 0 });

  return (
    <Page
      title={c.name}
      subtitle={
        <>
          <Link to="/campaigns">Campaigns</Link> · <StatusBadge status={status} /> · {c.subject} · from {c.from}
        </>
      }
      actions={<CampaignActions status={status} failed={r.failed} busy={busy} act={act} resumeShownApart={pauseReason !== null} />}
    >
      {pauseReason ? <PauseReason reason={pauseReason} busy={busy} onResume={() => void act('resume', 'Campaign resumed')} /> : null}
      <Card className="campaign-progress">
        <div className="progress-head">
          <p className="progress-summary" data-testid="campaign-summary">
            {summaryLine(status, progress)}
          </p>
          <p className="muted small">{whenLine(c, progress)}</p>
        </div>
        <div className="progress progress-large" role="progressbar" aria-label="Campaign progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent}>
          <div className="progress-bar progress-sent" style={{ width: `${progress.total ? (r.sent / progress.total) * 100 : 0}%` }} />
          <div className="progress-bar progress-bad" style={{ width: `${progress.total ? ((done - r.sent) / progress.total) * 100 : 0}%` }} />
        </div>
        <div className="campaign-stats">
          <Stat label="Recipients" value={progress.total} testId="stat-total" />
          <Stat label="Sent" value={r.sent} tone="sent" testId="stat-sent" />
          <Stat label="Queued" value={r.queued + r.sending + r.paused} testId="stat-queued" />
          <Stat label="Deferred" value={r.deferred} tone="deferred" testId="stat-deferred" />
          <Stat label="Failed" value={r.failed} tone="failed" testId="stat-failed" />
          <Stat label="Remaining" value={progress.remaining} testId="stat-remaining" />
          <Stat label="Per minute" value={progress.ratePerMinute} testId="stat-rate" />
          <div className="stat">
            <span className="stat-label">Finishes</span>
            <span className="stat-value stat-eta" data-testid="stat-eta">
              {progress.eta ? formatAgo(progress.eta) : '—'}
            </span>
          </div>
        </div>
      </Card>
      {status !== 'draft' ? <CampaignDeliverability id={c.id} live={status === 'sending'} version={recipientsVersion} trackOpens={c.trackOpens} trackClicks={c.trackClicks} /> : null}
      <Card title="Over time">
        <ActivityChart buckets={c.timeline.buckets} totals={totals} bucketMs={c.timeline.bucketMs} period="since the campaign started" />
      </Card>
      {status === 'draft' || status === 'scheduled' ? <PresendPanel request={() => ({ campaign: c.id })} /> : null}
      <CampaignRecipients id={c.id} version={recipientsVersion} live={status === 'sending'} />
    </Page>
  );
}

function summaryLine(status: CampaignStatus, p: CampaignProgress): string {
  const total = formatNumber(p.total);
  switch (status) {
    case 'draft':
      return 'A draft: nothing is sent until you start it.';
    case 'scheduled':
      return p.expanded ? `Scheduled: ${total} recipients waiting for their time.` : 'Scheduled: the recipients are being prepared.';
    case 'sending':
      return p.expanded ? `Sending to ${total} recipients: ${formatNumber(p.remaining)} to go.` : `Preparing recipients (${total} so far) and sending.`;
    case 'paused':
      return `Paused with ${formatNumber(p.remaining)} of ${total} recipients waiting. Resume to go on.`;
    case 'finished': {
      const r = p.recipients;
      const others = (['failed', 'bounced', 'complained', 'suppressed'] as const).filter((s) => r[s] > 0).map((s) => `, ${formatNumber(r[s])} ${s}`);
      return `Finished: ${formatNumber(r.sent)} of ${total} sent${others.join('')}.`;
    }
    case 'cancelled':
      return `Cancelled: ${formatNumber(p.recipients.sent)} of ${total} had been sent.`;
  }
}

function whenLine(c: CampaignDetail, p: CampaignProgress): string {
  if (p.finishedAt) return `Started ${formatDateTime(p.startedAt)}, ended ${formatDateTime(p.finishedAt)}.`;
  if (p.startedAt) return `Started ${formatDateTime(p.startedAt)}.`;
  if (c.schedule.kind === 'at' && c.schedule.at !== undefined) return `Scheduled for ${formatDateTime(new Date(c.schedule.at).toISOString())}.`;
  if (c.schedule.kind === 'local') return `At ${c.schedule.localTime ?? ''} in each contact's time zone${c.schedule.timeZone ? ` (otherwise ${c.schedule.timeZone})` : ''}.`;
  return `Created ${formatDateTime(c.createdAt)}.`;
}

function Stat({ label, value, tone, testId }: { label: string; value: number; tone?: string; testId: string }) {
  return (
    <div className={`stat ${tone ? `stat-${tone}` : ''}`}>
      <span className="stat-label">{label}</span>
      <span className="stat-value" data-testid={testId}>
        {formatNumber(value)}
      </span>
    </div>
  );
}

/** "Paused by the guardrail: bounce rate 10.0% is above 5.0% (120 answered)", with the Resume button beside it. */
function PauseReason({ reason, busy, onResume }: { reason: string; busy: boolean; onResume: () => void }) {
  const parts = GUARDRAIL.exec(reason);
  return (
    <div className="note note-warn pause-reason" data-testid="pause-reason">
      <div className="pause-reason-text">
        <p className="pause-reason-why">
          {parts ? (
            <>
              <strong>{parts[1]}</strong> {parts[2]}
            </>
          ) : (
            <strong>{reason}</strong>
          )}
        </p>
        {parts ? <p className="small">Look at the bounces and complaints below before going on: once resumed, the guardrail leaves this campaign alone.</p> : null}
      </div>
      <button type="button" className="btn btn-primary" disabled={busy} onClick={onResume}>
        Resume
      </button>
    </div>
  );
}

type Act = (action: 'send' | 'pause' | 'resume' | 'cancel' | 'retry-failed', done: string) => Promise<void>;

/** `resumeShownApart`: the Resume button is beside the pause reason instead. */
function CampaignActions({ status, failed, busy, act, resumeShownApart }: { status: CampaignStatus; failed: number; busy: boolean; act: Act; resumeShownApart: boolean }) {
  const menu = useRef<HTMLDetailsElement>(null);
  const cancel = () => {
    if (window.confirm('Cancel this campaign? Recipients not sent yet will not receive it; this cannot be undone.')) void act('cancel', 'Campaign cancelled');
  };
  return (
    <>
      {status === 'draft' ? (
        <button type="button" className="btn btn-primary" disabled={busy} onClick={() => void act('send', 'Campaign started')}>
          Start
        </button>
      ) : null}
      {status === 'sending' || status === 'scheduled' ? (
        <button type="button" className="btn" disabled={busy} onClick={() => void act('pause', 'Campaign paused')}>
          Pause
        </button>
      ) : null}
      {status === 'paused' && !resumeShownApart ? (
        <button type="button" className="btn btn-primary" disabled={busy} onClick={() => void act('resume', 'Campaign resumed')}>
          Resume
        </button>
      ) : null}
      {status === 'sending' || status === 'scheduled' || status === 'paused' ? (
        <button type="button" className="btn btn-danger" disabled={busy} onClick={cancel}>
          Cancel
        </button>
      ) : null}
      {status !== 'draft' && status !== 'cancelled' ? (
        <details className="menu-details" ref={menu}>
          <summary className="btn">Manage delivery</summary>
          <div className="menu-list menu-popover" role="menu">
            <button
              type="button"
              role="menuitem"
              disabled={busy || failed === 0}
              onClick={() => {
                menu.current?.removeAttribute('open');
                void act('retry-failed', `${formatNumber(failed)} failed recipients queued again`);
              }}
            >
              Retry failed recipients only{failed ? ` (${formatNumber(failed)})` : ''}
            </button>
          </div>
        </details>
      ) : null}
    </>
  );
}

const RECIPIENT_TABS: Array<CampaignRecipientStatus | ''> = ['', 'sent', 'failed', 'bounced', 'complained', 'suppressed', 'deferred', 'queued', 'paused', 'cancelled'];
const RECIPIENT_PAGE = 50;

function CampaignRecipients({ id, version, live }: { id: string; version: number; live: boolean }) {
  const [status, setStatus] = useState<CampaignRecipientStatus | ''>('');
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.at(-1) ?? '';
  const page = useApiGet<{ recipients: CampaignRecipient[]; nextCursor: string | null }>(`/campaigns/${encodeURIComponent(id)}/recipients${query({ status, cursor, limit: RECIPIENT_PAGE })}`);
  const { reload } = page;
  useEffect(() => {
    if (version > 0) reload();
  }, [version, reload]);
  useEffect(() => {
    if (!live) return;
    const timer = window.setInterval(reload, TIMELINE_EVERY_MS);
    return () => window.clearInterval(timer);
  }, [live, reload]);
  const rows = page.data?.recipients ?? null;
  return (
    <Card
      title="Recipients"
      className="flush campaign-recipients"
      actions={
        <a className="btn btn-small" href={`/api/v1/campaigns/${encodeURIComponent(id)}/report.csv`} download>
          Download CSV report
        </a>
      }
    >
      <nav className="tabs" aria-label="Recipient status">
        {RECIPIENT_TABS.map((s) => (
          <button
            key={s || 'all'}
            type="button"
            aria-current={s === status ? 'page' : undefined}
            onClick={() => {
              setStatus(s);
              setCursors([]);
            }}
          >
            {s ? s[0]!.toUpperCase() + s.slice(1) : 'All'}
          </button>
        ))}
      </nav>
      {page.error ? <ErrorNote error={page.error} onRetry={reload} /> : null}
      {!rows && !page.error ? <Loading what="Loading recipients" /> : null}
      {rows && rows.length === 0 ? <Empty>{status ? `No ${status} recipients.` : 'No recipients yet.'}</Empty> : null}
      {rows && rows.length > 0 ? (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th>Recipient</th>
                <th>Status</th>
                <th className="num hide-narrow">Attempts</th>
                <th>Last answer</th>
                <th className="hide-narrow">Updated</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.messageId} className={BAD_STATUSES.has(row.status) ? 'row-failed' : undefined}>
                  <td className="cell-address truncate">
                    <Link className="row-link" to={`/emails/${row.messageId}`}>
                      {row.address}
                    </Link>
                  </td>
                  <td>
                    <StatusBadge status={row.status} />
                  </td>
                  <td className="num hide-narrow">{row.attempts}</td>
                  <td className="cell-answer truncate" title={formatAnswer(row.code, row.enhancedCode, row.response)}>
                    {formatAnswer(row.code, row.enhancedCode, row.response) || <span className="muted">—</span>}
                  </td>
                  <td className="nowrap hide-narrow" title={formatDateTime(row.updatedAt)}>
                    {formatAgo(row.updatedAt)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {cursors.length || page.data?.nextCursor ? (
        <div className="pager">
          <button type="button" className="btn btn-small" disabled={!cursors.length} onClick={() => setCursors(cursors.slice(0, -1))}>
            ← Previous
          </button>
          <button type="button" className="btn btn-small" disabled={!page.data?.nextCursor} onClick={() => page.data?.nextCursor && setCursors([...cursors, page.data.nextCursor])}>
            Next →
          </button>
        </div>
      ) : null}
    </Card>
  );
}
