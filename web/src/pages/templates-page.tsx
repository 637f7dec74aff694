/** Templates: the content campaigns are made of, with Liquid merge tags. */
import { useApiGet } from '../use-api';
import { Link } from '../router';
import { formatAgo, formatDateTime } from '../format';
import { Empty, ErrorNote, Loading, Page } from '../components/ui';
import type { TemplateView } from '../types';

export function TemplatesPage() {
  const templates = useApiGet<{ templates: TemplateView[] }>('/templates');
  const list = templates.data?.templates ?? null;
  return (
    <Page
      title="Templates"
      subtitle="HTML or MJML with Liquid merge tags such as {{ contact.first_name | default: &quot;there&quot; }}; CSS is inlined and a plain-text part made for you."
      actions={
        <Link className="btn btn-primary" to="/templates/new">
          New template
        </Link>
      }
    >
      <div className="card flush">
        {templates.error && !list ? <ErrorNote error={templates.error} onRetry={templates.reload} /> : null}
        {!list && !templates.error ? <Loading what="Loading templates" /> : null}
        {list && list.length === 0 ? (
          <Empty>
            No templates yet. <Link to="/templates/new">Write the first one</Link>.
          </Empty>
        ) : null}
        {list && list.length > 0 ? (
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Subject</th>
                  <th className="hide-narrow">Format</th>
                  <th>Updated</th>
                </tr>
              </thead>
              <tbody>
                {list.map((t) => (
                  <tr key={t.id}>
                    <td>
                      <Link className="row-link" to={`/templates/${t.id}`}>
                        {t.name}
                      </Link>
                    </td>
                    <td className="truncate">{t.subject}</td>
                    <td className="hide-narrow">{t.format === 'mjml' ? 'MJML' : 'HTML'}</td>
                    <td className="nowrap" title={formatDateTime(t.updatedAt)}>
                      {formatAgo(t.updatedAt)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </div>
    </Page>
  );
}
