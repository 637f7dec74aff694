/** One contact: who they are, their fields and lists, and every message sent to them (the ones this user may see). */
import { Fragment } from 'react';
import { useApiGet } from '../use-api';
import { Link } from '../router';
import { formatAgo, formatDateTime } from '../format';
import { Card, Empty, ErrorNote, Loading, Page, StatusBadge } from '../components/ui';
import { NotFoundPage } from './not-found-page';
import { BAD_STATUSES, type ContactDetail } from '../types';

export function ContactDetailPage({ id }: { id: string }) {
  const contact = useApiGet<ContactDetail>(`/contacts/${encodeURIComponent(id)}`);
  if (contact.status === 404) return <NotFoundPage what="contact" />;
  if (contact.error && !contact.data) return <Page title="Contact">{<ErrorNote error={contact.error} onRetry={contact.reload} />}</Page>;
  if (!contact.data) return <Loading what="Loading contact" />;
  const c = contact.data;
  const fields = Object.entries(c.fields);
  return (
    <Page
      title={c.email}
      subtitle={
        <>
          <Link to="/contacts">Contacts</Link> · {c.name || 'no name'}
        </>
      }
    >
      <div className="grid grid-2">
        <Card title="Contact">
          <dl className="facts">
            <dt>Status</dt>
            <dd>
              <StatusBadge status={c.status} />
            </dd>
            <dt>Name</dt>
            <dd>{c.name || '—'}</dd>
            <dt>Time zone</dt>
            <dd>{c.timeZone ?? "— (campaigns use their own)"}</dd>
            <dt>Added</dt>
            <dd>{formatDateTime(c.createdAt)}</dd>
            <dt>Updated</dt>
            <dd>{formatDateTime(c.updatedAt)}</dd>
            <dt>Lists</dt>
            <dd>
              {c.lists.length
                ? c.lists.map((l, i) => (
                    <span key={l.id}>
                      {i > 0 ? ', ' : ''}
                      <Link to={`/contacts?list=${encodeURIComponent(l.id)}`}>{l.name}</Link>
                    </span>
                  ))
                : 'none'}
            </dd>
          </dl>
        </Card>
        <Card title="Fields">
          {fields.length === 0 ? (
            <p className="muted small">No custom fields. Columns of an imported CSV beyond email, name, time zone and status become fields, usable in templates as {'{{ contact.field_name }}'}.</p>
          ) : (
            <dl className="facts contact-fields">
              {fields.map(([key, value]) => (
                <Fragment key={key}>
                  <dt>
                    <code>{key}</code>
                  </dt>
                  <dd>{typeof value === 'string' ? value : JSON.stringify(value)}</dd>
                </Fragment>
              ))}
            </dl>
          )}
        </Card>
      </div>
      <Card title="History" className="flush contact-history">
        {c.messages.length === 0 ? (
          <Empty>Nothing sent to this contact yet.</Empty>
        ) : (
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th>Status</th>
                  <th>Subject</th>
                  <th className="hide-narrow">Campaign</th>
                  <th>Created</th>
                </tr>
              </thead>
              <tbody>
                {c.messages.map((m) => (
                  <tr key={m.id} className={BAD_STATUSES.has(m.status) ? 'row-failed' : undefined}>
                    <td>
                      <StatusBadge status={m.status} />
                    </td>
                    <td className="cell-subject">
                      <Link className="row-link" to={`/emails/${m.id}`}>
                        {m.subject || '(no subject)'}
                      </Link>
                    </td>
                    <td className="hide-narrow truncate">{m.campaign ?? <span className="muted">—</span>}</td>
                    <td className="nowrap" title={formatDateTime(m.createdAt)}>
                      {formatAgo(m.createdAt)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </Page>
  );
}
