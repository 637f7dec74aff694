/**
 * The suppression list (admin): the addresses Postroom does not send to, for all mail or for one
 * list; searchable by address, filtered by reason, paged. An address is added by hand, removed
 * (after a confirmation), imported from a CSV file, and the whole list exported as one.
 */
import { useState } from 'react';
import { api, errorText, query } from '../api';
import { useApiGet } from '../use-api';
import { Link, setSearch, useLocation } from '../router';
import { Pager, SearchForm, useCursorPages } from '../components/search-and-pages';
import { SuppressionAddForm } from '../components/suppression-add-form';
import { SuppressionImportForm } from '../components/suppression-import';
import { useToast } from '../toasts';
import { formatAgo, formatDateTime } from '../format';
import { Card, Empty, ErrorNote, Loading, Page, StatusBadge } from '../components/ui';
import { type ContactList } from '../types';
import { SUPPRESSION_REASONS, type SuppressionPage, type SuppressionView } from '../feedback-types';

const PAGE_SIZE = 50;

export function SuppressionsPage() {
  const { search } = useLocation();
  const reason = search.get('reason') ?? '';
  const pages = useCursorPages();
  const toast = useToast();
  const [panel, setPanel] = useState<'add' | 'import' | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const page = useApiGet<SuppressionPage>(`/suppressions${query({ q: pages.q, reason, cursor: pages.cursor, limit: PAGE_SIZE })}`);
  const lists = useApiGet<{ lists: ContactList[] }>('/lists');
  const listName = (id: string) => lists.data?.lists.find((l) => l.id === id)?.name ?? id;

  const remove = async (s: SuppressionView) => {
    const scope = s.listId ? ` for the list “${listName(s.listId)}”` : '';
    if (!window.confirm(`Take ${s.address} off the suppression list${scope}? Postroom will send to it again.`)) return;
    const key = `${s.address}:${s.listId ?? ''}`;
    setBusy(key);
    try {
      await api('DELETE', `/suppressions/${encodeURIComponent(s.address)}${query({ list: s.listId })}`);
      toast({ kind: 'success', title: `${s.address} removed`, body: `Mail${scope} is sent to it again.` });
      page.reload();
    } catch (e) {
      toast({ kind: 'error', title: `Could not remove ${s.address}`, body: errorText(e) });
    } finally {
      setBusy(null);
    }
  };

  const rows = page.data?.suppressions ?? null;
  const filtered = pages.q || reason;
  return (
    <Page
      title="Suppressions"
      subtitle="Addresses Postroom does not send to. Hard bounces, repeated soft bounces, complaints and unsubscribes add them by themselves; a message to one ends as suppressed."
      actions={
        <>
          <a className="btn" href="/api/v1/suppressions/export" download>
            Export CSV
          </a>
          <button type="button" className="btn" onClick={() => setPanel('import')} disabled={panel === 'import'}>
            Import CSV
          </button>
          <button type="button" className="btn btn-primary" onClick={() => setPanel('add')} disabled={panel === 'add'}>
            Add address
          </button>
        </>
      }
    >
      {panel === 'add' ? (
        <Card title="Suppress an address">
          <SuppressionAddForm
            lists={lists.data?.lists ?? []}
            onCancel={() => setPanel(null)}
            onAdded={(s) => {
              toast({ kind: 'success', title: `${s.address} suppressed`, body: s.listId ? `No mail from the list “${listName(s.listId)}” goes to it.` : 'No mail goes to it.' });
              page.reload();
            }}
          />
        </Card>
      ) : null}
      {panel === 'import' ? (
        <Card title="Import suppressions">
          <SuppressionImportForm onImported={page.reload} onClose={() => setPanel(null)} />
        </Card>
      ) : null}
      <div className="toolbar suppressions-filters">
        <SearchForm id="suppression-search" pages={pages} label="Search by address" />
        <select className="input" aria-label="Reason" value={reason} onChange={(e) => (pages.reset(), setSearch({ reason: e.target.value, cursor: undefined }))}>
          <option value="">Any reason</option>
          {SUPPRESSION_REASONS.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
      </div>
      <div className="card flush">
        {page.error ? <ErrorNote error={page.error} onRetry={page.reload} /> : null}
        {!rows && page.loading ? <Loading what="Loading suppressions" /> : null}
        {rows && rows.length === 0 ? <Empty>{filtered ? 'No suppressed address matches.' : 'No address is suppressed.'}</Empty> : null}
        {rows && rows.length > 0 ? (
          <div className="table-wrap">
            <table className="table suppressions-table">
              <thead>
                <tr>
                  <th>Address</th>
                  <th>For</th>
                  <th>Reason</th>
                  <th>Since</th>
                  <th>Until</th>
                  <th>Detail</th>
                  <th>
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((s) => (
                  <tr key={`${s.address}:${s.listId ?? ''}`} data-address={s.address}>
                    <td className="cell-suppressed">{s.address}</td>
                    <td className="cell-scope">{s.listId ? <Link to={`/contacts${query({ list: s.listId })}`}>{listName(s.listId)}</Link> : <span className="muted">All mail</span>}</td>
                    <td className="cell-reason">
                      <StatusBadge status={s.reason} />
                    </td>
                    <td className="cell-since nowrap" title={formatDateTime(s.createdAt)}>
                      {formatAgo(s.createdAt)}
                    </td>
                    <td className="cell-until nowrap" title={s.expiresAt ? formatDateTime(s.expiresAt) : undefined}>
                      {s.expiresAt ? formatAgo(s.expiresAt) : <span className="muted">until removed</span>}
                    </td>
                    <td className="cell-detail" title={s.detail ?? undefined}>
                      <span className="suppression-detail-line">
                        {s.detail ? <span className="suppression-detail">{s.detail}</span> : <span className="muted">—</span>}
                        {s.messageId ? (
                          <Link className="small suppression-message" to={`/emails/${s.messageId}`} title="The message that bounced or was complained about">
                            message
                          </Link>
                        ) : null}
                      </span>
                    </td>
                    <td className="actions cell-remove">
                      <button type="button" className="btn btn-small btn-danger" disabled={busy === `${s.address}:${s.listId ?? ''}`} onClick={() => void remove(s)} aria-label={`Remove ${s.address}`}>
                        Remove
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        <Pager pages={pages} nextCursor={page.data?.next} />
      </div>
    </Page>
  );
}
