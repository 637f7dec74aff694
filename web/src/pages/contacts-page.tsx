/** Contacts: filtered by list and status, paged, with the lists, CSV import (live) and export. */
import { useState, type FormEvent } from 'react';
import { api, errorText, query } from '../api';
import { useApiGet } from '../use-api';
import { Link, navigate, setSearch, useLocation } from '../router';
import { Pager, useCursorPages } from '../components/search-and-pages';
import { ContactImportPanel } from '../components/contact-import';
import { useToast } from '../toasts';
import { formatAgo, formatDateTime, formatNumber } from '../format';
import { Card, Empty, ErrorNote, Loading, Page, StatusBadge } from '../components/ui';
import { CONTACT_STATUSES, type ContactList, type ContactPage, type ContactView } from '../types';

const PAGE_SIZE = 50;

/** A contact's custom fields in a few words: `country: ES, plan: pro`. */
function fieldsSummary(contact: ContactView): string {
  return Object.entries(contact.fields)
    .map(([key, value]) => `${key}: ${String(value)}`)
    .join(', ');
}

export function ContactsPage() {
  const { search } = useLocation();
  const status = search.get('status') ?? '';
  const list = search.get('list') ?? '';
  const pages = useCursorPages();
  const [importing, setImporting] = useState(search.get('import') === '1');
  const page = useApiGet<ContactPage>(`/contacts${query({ status, list, cursor: pages.cursor, limit: PAGE_SIZE })}`);
  const lists = useApiGet<{ lists: ContactList[] }>('/lists');
  const counts = page.data?.counts;
  const all = counts ? CONTACT_STATUSES.reduce((sum, s) => sum + counts[s], 0) : null;

  const refresh = () => {
    page.reload();
    lists.reload();
  };

  return (
    <Page
      title="Contacts"
      subtitle={counts ? `${formatNumber(all ?? 0)} contacts: ${CONTACT_STATUSES.map((s) => `${formatNumber(counts[s])} ${s}`).join(', ')}. Only subscribed contacts receive campaigns.` : 'The people campaigns are sent to.'}
      actions={
        <>
          <a className="btn" href={`/api/v1/contacts/export.csv${query({ list })}`} download>
            Export CSV
          </a>
          <button type="button" className="btn btn-primary" onClick={() => setImporting(true)} disabled={importing}>
            Import CSV
          </button>
        </>
      }
    >
      {importing ? <ContactImportPanel lists={lists.data?.lists ?? []} onDone={refresh} onClose={() => setImporting(false)} /> : null}
      <div className="contacts-layout">
        <div className="contacts-main">
          <div className="toolbar contacts-filters">
            <FindContact />
            <select className="input" aria-label="List" value={list} onChange={(e) => (pages.reset(), setSearch({ list: e.target.value, cursor: undefined }))}>
              <option value="">Every list</option>
              {(lists.data?.lists ?? []).map((l) => (
                <option key={l.id} value={l.id}>
                  {l.name}
                </option>
              ))}
            </select>
            <select className="input" aria-label="Status" value={status} onChange={(e) => (pages.reset(), setSearch({ status: e.target.value, cursor: undefined }))}>
              <option value="">Any status</option>
              {CONTACT_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </div>
          <div className="card flush">
            {page.error ? <ErrorNote error={page.error} onRetry={page.reload} /> : null}
            {!page.data && page.loading ? <Loading what="Loading contacts" /> : null}
            {page.data && page.data.contacts.length === 0 ? <Empty>{list || status ? 'No contacts match.' : 'No contacts yet. Import a CSV file to add them.'}</Empty> : null}
            {page.data && page.data.contacts.length > 0 ? (
              <div className="table-wrap">
                <table className="table contacts-table">
                  <thead>
                    <tr>
                      <th>Email</th>
                      <th>Name</th>
                      <th>Status</th>
                      <th className="hide-narrow">Time zone</th>
                      <th className="hide-narrow">Fields</th>
                      <th className="hide-narrow">Updated</th>
                    </tr>
                  </thead>
                  <tbody>
                    {page.data.contacts.map((c) => (
                      <tr key={c.id}>
                        <td className="cell-address truncate">
                          <Link className="row-link" to={`/contacts/${c.id}`}>
                            {c.email}
                          </Link>
                        </td>
                        <td className="truncate">{c.name || <span className="muted">—</span>}</td>
                        <td>
                          <StatusBadge status={c.status} />
                        </td>
                        <td className="hide-narrow nowrap">{c.timeZone ?? <span className="muted">—</span>}</td>
                        <td className="hide-narrow truncate muted cell-fields" title={fieldsSummary(c)}>
                          {fieldsSummary(c) || '—'}
                        </td>
                        <td className="hide-narrow nowrap" title={formatDateTime(c.updatedAt)}>
                          {formatAgo(c.updatedAt)}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ) : null}
            <Pager pages={pages} nextCursor={page.data?.nextCursor} />
          </div>
        </div>
        <ListsCard lists={lists.data?.lists ?? null} error={lists.error} onCreated={lists.reload} />
      </div>
    </Page>
  );
}

/** Jump to a contact by address. */
function FindContact() {
  const [email, setEmail] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (email.trim()) navigate(`/contacts/${encodeURIComponent(email.trim())}`);
  };
  return (
    <form className="find-contact" role="search" onSubmit={submit}>
      <label className="visually-hidden" htmlFor="find-contact">
        Find a contact by email
      </label>
      <input id="find-contact" className="input" type="search" placeholder="Find by email" value={email} onChange={(e) => setEmail(e.target.value)} />
      <button type="submit" className="btn">
        Find
      </button>
    </form>
  );
}

function ListsCard({ lists, error, onCreated }: { lists: ContactList[] | null; error: string | null; onCreated: () => void }) {
  const toast = useToast();
  const [name, setName] = useState('');
  const [saving, setSaving] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  const create = async (event: FormEvent) => {
    event.preventDefault();
    setSaving(true);
    setFormError(null);
    try {
      await api('POST', '/lists', { name: name.trim() });
      toast({ kind: 'success', title: `List "${name.trim()}" created` });
      setName('');
      onCreated();
    } catch (e) {
      setFormError(errorText(e));
    } finally {
      setSaving(false);
    }
  };
  return (
    <Card title="Lists" className="lists-card">
      {error && !lists ? <ErrorNote error={error} /> : null}
      {lists && lists.length === 0 ? <p className="muted small">No lists yet.</p> : null}
      {lists && lists.length > 0 ? (
        <ul className="plain-list lists-list">
          {lists.map((l) => (
            <li key={l.id}>
              <Link to={`/contacts${query({ list: l.id })}`}>{l.name}</Link>
              <span className="muted num">{formatNumber(l.members)}</span>
            </li>
          ))}
        </ul>
      ) : null}
      <form className="toolbar new-list" onSubmit={(e) => void create(e)}>
        <label className="visually-hidden" htmlFor="new-list-name">
          New list name
        </label>
        <input id="new-list-name" className="input" placeholder="New list name" value={name} maxLength={100} onChange={(e) => setName(e.target.value)} />
        <button type="submit" className="btn btn-small" disabled={!name.trim() || saving}>
          Create
        </button>
      </form>
      {formError ? <p className="field-error">{formError}</p> : null}
    </Card>
  );
}
