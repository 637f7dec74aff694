/**
 * A template's editor: name, subject and source (HTML or MJML with Liquid), an optional
 * hand-written text part; saved templates are compiled, and a Liquid or MJML error is shown
 * under the field with its line and column (and the cursor put on that line). Once saved it
 * can be previewed as a chosen contact and sent as a test to an address.
 */
import { useRef, useState, type FormEvent } from 'react';
import { api, ApiError, errorText } from '../api';
import { useApiGet } from '../use-api';
import { Link, navigate } from '../router';
import { useToast } from '../toasts';
import { useUser } from '../session';
import { DmarcFromWarning } from '../components/dmarc-from-warning';
import { PresendPanel } from '../components/presend-panel';
import { framed } from '../components/message-html';
import { Card, CheckboxField, ErrorNote, Loading, Page, SelectField, TextField } from '../components/ui';
import { NotFoundPage } from './not-found-page';
import type { RenderedTemplate, TemplateView } from '../types';

const STARTER = `<html>
  <head>
    <style>
      h1 { color: #2453c6; font-family: Arial, sans-serif; }
      p { font-family: Arial, sans-serif; line-height: 1.5; }
    </style>
  </head>
  <body>
    <h1>Hello {{ contact.first_name | default: "there" }}</h1>
    <p>Write your message here.</p>
  </body>
</html>
`;

export function TemplateEditorPage({ id }: { id: string | null }) {
  const template = useApiGet<TemplateView>(id ? `/templates/${encodeURIComponent(id)}` : null);
  if (id && template.status === 404) return <NotFoundPage what="template" />;
  if (id && template.error && !template.data) return <Page title="Template">{<ErrorNote error={template.error} onRetry={template.reload} />}</Page>;
  if (id && !template.data) return <Loading what="Loading template" />;
  return <TemplateEditor key={template.data?.updatedAt ?? 'new'} template={template.data} onSaved={template.reload} />;
}

type Field = 'name' | 'subject' | 'source' | 'text' | 'format';

function TemplateEditor({ template, onSaved }: { template: TemplateView | null; onSaved: () => void }) {
  const toast = useToast();
  const [name, setName] = useState(template?.name ?? '');
  const [format, setFormat] = useState<'html' | 'mjml'>(template?.format ?? 'html');
  const [subject, setSubject] = useState(template?.subject ?? 'Hello {{ contact.first_name | default: "there" }}');
  const [source, setSource] = useState(template?.source ?? STARTER);
  const [ownText, setOwnText] = useState(template ? !template.textGenerated : false);
  const [text, setText] = useState(template && !template.textGenerated ? (template.text ?? '') : '');
  const [error, setError] = useState<{ field: Field | null; message: string } | null>(null);
  const [saving, setSaving] = useState(false);
  const sourceBox = useRef<HTMLTextAreaElement>(null);

  /** Puts the cursor at the start of line `line` of the source. */
  const goToLine = (line: number) => {
    const box = sourceBox.current;
    if (!box) return;
    const lines = box.value.split('\n');
    const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
    box.focus();
    box.setSelectionRange(start, start + (lines[line - 1]?.length ?? 0));
  };

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setSaving(true);
    setError(null);
    const body = { name, format, subject, source, text: ownText ? text : null };
    try {
      const saved = template ? await api<TemplateView>('PATCH', `/templates/${template.id}`, body) : await api<TemplateView>('POST', '/templates', body);
      toast({ kind: 'success', title: `Template "${saved.name}" saved` });
      if (template) onSaved();
      else navigate(`/templates/${saved.id}`, { replace: true });
    } catch (e) {
      const field = e instanceof ApiError && ['name', 'subject', 'source', 'text', 'format'].includes(e.field ?? '') ? (e.field as Field) : null;
      setError({ field, message: e instanceof ApiError && e.field && !field ? `${e.field}: ${e.message}` : errorText(e) });
      const line = field === 'source' ? /line (\d+)/.exec(errorText(e)) : null;
      if (line) goToLine(Number(line[1]));
    } finally {
      setSaving(false);
    }
  };
  const errorOf = (field: Field) => (error?.field === field ? error.message : null);

  return (
    <Page
      title={template ? template.name : 'New template'}
      subtitle={
        <>
          <Link to="/templates">Templates</Link> · merge tags: <code>{'{{ contact.email }}'}</code>, <code>{'{{ contact.name }}'}</code>, <code>{'{{ contact.first_name | default: "there" }}'}</code> and any custom field
        </>
      }
    >
      <div className="template-layout">
        <form className="card form template-form" onSubmit={(e) => void save(e)} aria-label="Template">
          <div className="form-grid">
            <TextField label="Name" value={name} maxLength={100} required onChange={(e) => setName(e.target.value)} error={errorOf('name')} />
            <SelectField label="Format" value={format} onChange={(e) => setFormat(e.target.value as 'html' | 'mjml')} error={errorOf('format')}>
              <option value="html">HTML</option>
              <option value="mjml">MJML</option>
            </SelectField>
            <div className="span-2">
              <TextField label="Subject" value={subject} maxLength={998} required onChange={(e) => setSubject(e.target.value)} error={errorOf('subject')} />
            </div>
          </div>
          <div className={`field ${errorOf('source') ? 'field-invalid' : ''}`}>
            <label htmlFor="template-source">{format === 'mjml' ? 'MJML' : 'HTML'}</label>
            <textarea
              id="template-source"
              ref={sourceBox}
              className="template-source"
              spellCheck={false}
              value={source}
              onChange={(e) => setSource(e.target.value)}
              aria-invalid={errorOf('source') ? true : undefined}
              aria-describedby={errorOf('source') ? 'template-source-error' : undefined}
            />
            {errorOf('source') ? (
              <p id="template-source-error" className="field-error" role="alert">
                {errorOf('source')}
              </p>
            ) : null}
          </div>
          <CheckboxField label="Write the plain-text part by hand" hint="Left unticked, it is made from the HTML." checked={ownText} onChange={(e) => setOwnText(e.target.checked)} />
          {ownText ? (
            <div className={`field ${errorOf('text') ? 'field-invalid' : ''}`}>
              <label htmlFor="template-text">Plain text</label>
              <textarea id="template-text" value={text} onChange={(e) => setText(e.target.value)} />
              {errorOf('text') ? (
                <p className="field-error" role="alert">
                  {errorOf('text')}
                </p>
              ) : null}
            </div>
          ) : null}
          {error && !error.field ? <ErrorNote error={error.message} /> : null}
          <div className="form-actions">
            <button type="submit" className="btn btn-primary" disabled={saving}>
              {saving ? 'Saving…' : template ? 'Save' : 'Create template'}
            </button>
            {template ? (
              <Link className="btn" to={`/campaigns/new?template=${template.id}`}>
                Use in a campaign
              </Link>
            ) : null}
          </div>
        </form>
        {template ? (
          <div className="template-side">
            <TemplatePreview template={template} />
            <TemplateTest template={template} />
            <TemplateCheck template={template} />
          </div>
        ) : (
          <Card title="Preview">
            <p className="muted small">Create the template to preview it as one of your contacts and send a test.</p>
          </Card>
        )}
      </div>
    </Page>
  );
}

function TemplatePreview({ template }: { template: TemplateView }) {
  const [contact, setContact] = useState('');
  const [shown, setShown] = useState<RenderedTemplate | null>(null);
  const [tab, setTab] = useState<'html' | 'text'>('html');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const preview = async (event?: FormEvent) => {
    event?.preventDefault();
    setBusy(true);
    setError(null);
    try {
      setShown(await api<RenderedTemplate>('POST', `/templates/${template.id}/preview`, contact.trim() ? { contact: contact.trim() } : {}));
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card title="Preview" className="template-preview">
      <form className="toolbar" onSubmit={(e) => void preview(e)}>
        <label className="visually-hidden" htmlFor="preview-contact">
          Preview as contact
        </label>
        <input id="preview-contact" className="input" type="email" placeholder="As contact (email); empty: sample values" value={contact} onChange={(e) => setContact(e.target.value)} />
        <button type="submit" className="btn" disabled={busy}>
          {busy ? 'Rendering…' : 'Preview'}
        </button>
      </form>
      {error ? <ErrorNote error={error} /> : null}
      {shown ? (
        <>
          <p className="preview-subject">
            <span className="muted">Subject:</span> <strong data-testid="preview-subject">{shown.subject}</strong>
          </p>
          <div className="tabs" role="tablist">
            <button type="button" role="tab" aria-selected={tab === 'html'} className={tab === 'html' ? 'tab-current' : ''} onClick={() => setTab('html')}>
              HTML
            </button>
            <button type="button" role="tab" aria-selected={tab === 'text'} className={tab === 'text' ? 'tab-current' : ''} onClick={() => setTab('text')}>
              Text
            </button>
          </div>
          {tab === 'html' ? <iframe className="message-frame preview-frame" title="Preview HTML" sandbox="" referrerPolicy="no-referrer" srcDoc={framed(shown.html, true)} /> : <pre className="message-text">{shown.text}</pre>}
        </>
      ) : (
        <p className="muted small">See the message as a contact will: merge tags filled, CSS inlined.</p>
      )}
    </Card>
  );
}

function TemplateTest({ template }: { template: TemplateView }) {
  const user = useUser();
  const toast = useToast();
  const [to, setTo] = useState(user.email);
  const [from, setFrom] = useState('');
  const [contact, setContact] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState<string | null>(null);
  const send = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { id } = await api<{ id: string }>('POST', `/templates/${template.id}/test`, { to: to.trim(), from: from.trim(), ...(contact.trim() ? { contact: contact.trim() } : {}) });
      setSent(id);
      toast({ kind: 'success', title: `Test queued for ${to.trim()}` });
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, 'error', errorText(e), null));
    } finally {
      setBusy(false);
    }
  };
  const errorOf = (field: string) => (error?.field === field ? error.message : null);
  return (
    <Card title="Send a test" className="template-test">
      <form className="form" onSubmit={(e) => void send(e)}>
        <TextField label="To" type="email" value={to} required onChange={(e) => setTo(e.target.value)} error={errorOf('to')} />
        <TextField label="From" value={from} required placeholder="News <news@example.com>" onChange={(e) => setFrom(e.target.value)} error={errorOf('from')} />
        <DmarcFromWarning from={from} />
        <TextField label="As contact (optional)" type="email" value={contact} onChange={(e) => setContact(e.target.value)} error={errorOf('contact')} hint="Merge tags filled from this contact; empty: sample values." />
        {error && !['to', 'from', 'contact'].includes(error.field ?? '') ? <ErrorNote error={error.field ? `${error.field}: ${error.message}` : error.message} /> : null}
        <div className="form-actions">
          <button type="submit" className="btn" disabled={busy}>
            {busy ? 'Sending…' : 'Send test'}
          </button>
          {sent ? (
            <Link className="small" to={`/emails/${sent}`}>
              See the test message
            </Link>
          ) : null}
        </div>
      </form>
    </Card>
  );
}

function TemplateCheck({ template }: { template: TemplateView }) {
  const [from, setFrom] = useState('');
  return (
    <PresendPanel request={() => ({ template: template.id, from: from.trim() })} disabled={!from.trim()}>
      <TextField label="Sent From" value={from} placeholder="News <news@example.com>" onChange={(e) => setFrom(e.target.value)} hint="Signing, SPF and DMARC depend on the From domain." />
    </PresendPanel>
  );
}
