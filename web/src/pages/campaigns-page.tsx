/** Campaigns, newest first, with their state and how far they got; live while any is sending. */
import { useEffect } from 'react';
import { useApiGet } from '../use-api';
import { useRefreshOnEvents } from '../live-events';
import { Link } from '../router';
import { formatAgo, formatDateTime, formatNumber } from '../format';
import { Empty, ErrorNote, Loading, Page, StatusBadge } from '../components/ui';
import type { CampaignView } from '../types';

const LIVE_MS = 3000;

/** When it went or will go: started, scheduled for, or created. */
function when(c: CampaignView): { label: string; iso: string } {
  if (c.startedAt) return { label: c.status === 'scheduled' ? 'Starts' : 'Started', iso: c.startedAt };
  if (c.schedule.kind === 'at' && c.schedule.at !== undefined) return { label: 'Scheduled for', iso: new Date(c.schedule.at).toISOString() };
  return { label: 'Created', iso: c.createdAt };
}

export function CampaignsPage() {
  const campaigns = useApiGet<{ campaigns: CampaignView[] }>('/campaigns');
  const list = campaigns.data?.campaigns ?? null;
  const { reload } = campaigns;
  useRefreshOnEvents(reload, (event) => event.type === 'campaign_finished');
  // While one is under way its numbers move: look again every few seconds.
  const active = list?.some((c) => c.status === 'sending' || c.status === 'scheduled') ?? false;
  useEffect(() => {
    if (!active) return;
    const timer = window.setInterval(reload, LIVE_MS);
    return () => window.clearInterval(timer);
  }, [active, reload]);

  return (
    <Page
      title="Campaigns"
      subtitle="Mail to your contacts: now, at a time, or at a local time in each contact's time zone."
      actions={
        <Link className="btn btn-primary" to="/campaigns/new">
          New campaign
        </Link>
      }
    >
      <div className="card flush">
        {campaigns.error && !list ? <ErrorNote error={campaigns.error} onRetry={reload} /> : null}
        {!list && !campaigns.error ? <Loading what="Loading campaigns" /> : null}
        {list && list.length === 0 ? (
          <Empty>
            No campaigns yet. <Link to="/campaigns/new">Create one</Link> — you will need contacts (import a CSV on the <Link to="/contacts">Contacts</Link> page) and, if you like, a template.
          </Empty>
        ) : null}
        {list && list.length > 0 ? (
          <div className="table-wrap">
            <table className="table campaigns-table">
              <thead>
                <tr>
                  <th>Status</th>
                  <th>Name</th>
                  <th className="hide-narrow">Subject</th>
                  <th className="num">Recipients</th>
                  <th>When</th>
                </tr>
              </thead>
              <tbody>
                {list.map((c) => {
                  const at = when(c);
                  return (
                    <tr key={c.id} data-campaign-id={c.id}>
                      <td>
                        <StatusBadge status={c.status} />
                      </td>
                      <td>
                        <Link className="row-link" to={`/campaigns/${c.id}`}>
                          {c.name}
                        </Link>
                      </td>
                      <td className="hide-narrow truncate">{c.subject}</td>
                      <td className="num">{c.status === 'draft' ? <span className="muted">—</span> : formatNumber(c.total)}</td>
                      <td className="nowrap" title={`${at.label} ${formatDateTime(at.iso)}`}>
                        <span className="muted small">{at.label}</span> {formatAgo(at.iso)}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        ) : null}
      </div>
    </Page>
  );
}
