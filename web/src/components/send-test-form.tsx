/** "Send a test message": queues a short text message through POST /messages and says where to find it. */
import { useState, type FormEvent } from 'react';
import { api, ApiError, errorText } from '../api';
import { Link } from '../router';
import { useToast } from '../toasts';
import { useUser } from '../session';
import { DmarcFromWarning } from './dmarc-from-warning';
import { ErrorNote, TextAreaField, TextField } from './ui';

type FieldName = 'from' | 'to' | 'subject' | 'text';

/** "to[1]" → "to": the API names the element at fault; the form has one field for all recipients. */
const fieldOf = (field: string | null): FieldName | null => {
  const name = field?.replace(/\[\d+\]$/, '') ?? null;
  return name === 'from' || name === 'to' || name === 'subject' || name === 'text' ? name : null;
};

export function SendTestForm({ onQueued }: { onQueued?: (id: string) => void }) {
  const user = useUser();
  const toast = useToast();
  const [from, setFrom] = useState('test@example.com');
  const [to, setTo] = useState(user.email);
  const [subject, setSubject] = useState('Hello from Postroom');
  const [text, setText] = useState('This is a test message sent from the Postroom dashboard.');
  const [errors, setErrors] = useState<Partial<Record<FieldName, string>>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const [queuedId, setQueuedId] = useState<string | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const recipients = to.split(/[,;\n]+/).map((r) => r.trim()).filter(Boolean);
    setErrors({});
    setFormError(null);
    if (recipients.length === 0) {
      setErrors({ to: 'is required' });
      return;
    }
    setSending(true);
    try {
      const { id } = await api<{ id: string }>('POST', '/messages', { from: from.trim(), to: recipients, subject, text });
      setQueuedId(id);
      toast({ kind: 'success', title: 'Test message queued', body: `To ${recipients.join(', ')}` });
      onQueued?.(id);
    } catch (e) {
      const field = e instanceof ApiError ? fieldOf(e.field) : null;
      if (field && e instanceof ApiError) {
        // "to[1]": say which recipient is at fault.
        const index = /\[(\d+)\]$/.exec(e.field ?? '')?.[1];
        const recipient = index === undefined ? undefined : recipients[Number(index)];
        setErrors({ [field]: recipient && !e.message.includes(recipient) ? `${recipient}: ${e.message}` : e.message });
      } else setFormError(errorText(e));
    } finally {
      setSending(false);
    }
  };

  return (
    <form className="form" onSubmit={(e) => void submit(e)} noValidate>
      <div className="form-grid">
        <div>
          <TextField label="From" value={from} onChange={(e) => setFrom(e.target.value)} error={errors.from} autoComplete="off" required />
          <DmarcFromWarning from={from} />
        </div>
        <TextField label="To" value={to} onChange={(e) => setTo(e.target.value)} error={errors.to} hint="Several? Separate them with commas." autoComplete="off" required />
        <div className="span-2">
          <TextField label="Subject" value={subject} onChange={(e) => setSubject(e.target.value)} error={errors.subject} />
        </div>
        <div className="span-2">
          <TextAreaField label="Message" className="send-test-text" value={text} onChange={(e) => setText(e.target.value)} error={errors.text} rows={3} />
        </div>
      </div>
      {formError ? <ErrorNote error={formError} /> : null}
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={sending}>
          Send test message
        </button>
      </div>
      {queuedId ? (
        <p className="note note-ok send-test-done" role="status">
          <span>
            Queued — open it in the <Link to="/sandbox">Sandbox inbox</Link>
          </span>
          <Link to={`/emails/${queuedId}`}>Follow its delivery</Link>
        </p>
      ) : null}
    </form>
  );
}
