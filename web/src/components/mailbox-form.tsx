/**
 * Adding a mailbox to poll for bounces and complaints: where it is (IMAP or POP3, host, port,
 * security), how to log in, what to do with a message once read. The password is sent once and
 * never shown again; the form forgets it as soon as the mailbox is saved.
 */
import { useState, type FormEvent } from 'react';
import { api, ApiError, errorText } from '../api';
import { CheckboxField, ErrorNote, SelectField, TextField } from './ui';
import type { Security } from '../types';
import type { MailboxView } from '../feedback-types';

interface Draft {
  name: string;
  protocol: 'imap' | 'pop3';
  host: string;
  port: string;
  security: Security;
  tlsVerify: boolean;
  username: string;
  password: string;
  folder: string;
  afterProcessing: 'move' | 'delete';
  moveTo: string;
  intervalSeconds: string;
}

const EMPTY: Draft = { name: '', protocol: 'imap', host: '', port: '', security: 'tls', tlsVerify: true, username: '', password: '', folder: '', afterProcessing: 'move', moveTo: '', intervalSeconds: '' };
const DEFAULT_PORT = { imap: { none: 143, starttls: 143, tls: 993 }, pop3: { none: 110, starttls: 110, tls: 995 } } as const;

function bodyOf(d: Draft) {
  const imap = d.protocol === 'imap';
  const after = imap ? d.afterProcessing : 'delete';
  return {
    name: d.name.trim(),
    protocol: d.protocol,
    host: d.host.trim(),
    ...(d.port.trim() ? { port: Number(d.port) } : {}),
    security: d.security,
    tlsVerify: d.tlsVerify,
    username: d.username,
    password: d.password,
    ...(imap && d.folder.trim() ? { folder: d.folder.trim() } : {}),
    afterProcessing: after,
    ...(after === 'move' && d.moveTo.trim() ? { moveTo: d.moveTo.trim() } : {}),
    ...(d.intervalSeconds.trim() ? { intervalSeconds: Number(d.intervalSeconds) } : {}),
  };
}

export function MailboxForm({ onAdded, onCancel }: { onAdded: (mailbox: MailboxView) => void; onCancel: () => void }) {
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const set = (patch: Partial<Draft>) => {
    setDraft((d) => ({ ...d, ...patch }));
    setErrors((e) => Object.fromEntries(Object.entries(e).filter(([field]) => !(field in patch))));
  };
  const imap = draft.protocol === 'imap';

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaving(true);
    setErrors({});
    setFormError(null);
    try {
      const added = await api<MailboxView>('POST', '/mailboxes', bodyOf(draft));
      setDraft(EMPTY);
      onAdded(added);
    } catch (e) {
      const field = e instanceof ApiError ? e.field : null;
      if (field && field in EMPTY) setErrors({ [field]: errorText(e) });
      else setFormError(errorText(e));
    } finally {
      setSaving(false);
    }
  };

  return (
    <form className="form mailbox-form" onSubmit={(e) => void submit(e)} noValidate aria-label="Add a mailbox">
      <div className="form-grid">
        <TextField label="Name" value={draft.name} onChange={(e) => set({ name: e.target.value })} error={errors.name} placeholder="Bounces" maxLength={200} autoComplete="off" />
        <SelectField label="Protocol" value={draft.protocol} onChange={(e) => set({ protocol: e.target.value as Draft['protocol'] })} error={errors.protocol}>
          <option value="imap">IMAP</option>
          <option value="pop3">POP3</option>
        </SelectField>
        <TextField label="Host" value={draft.host} onChange={(e) => set({ host: e.target.value })} error={errors.host} placeholder="imap.example.com" autoComplete="off" spellCheck={false} />
        <div className="mailbox-port-security">
          <SelectField label="Security" value={draft.security} onChange={(e) => set({ security: e.target.value as Security })} error={errors.security}>
            <option value="tls">TLS from the start</option>
            <option value="starttls">STARTTLS</option>
            <option value="none">None (plain text)</option>
          </SelectField>
          <TextField label="Port" type="number" min={1} max={65535} value={draft.port} onChange={(e) => set({ port: e.target.value })} error={errors.port} placeholder={String(DEFAULT_PORT[draft.protocol][draft.security])} />
        </div>
        <TextField label="Username" value={draft.username} onChange={(e) => set({ username: e.target.value })} error={errors.username} autoComplete="off" spellCheck={false} />
        <TextField label="Password" type="password" value={draft.password} onChange={(e) => set({ password: e.target.value })} error={errors.password} autoComplete="new-password" hint="Stored encrypted; never shown again." />
        {imap ? <TextField label="Folder" value={draft.folder} onChange={(e) => set({ folder: e.target.value })} error={errors.folder} placeholder="INBOX" /> : null}
        {imap ? (
          <SelectField label="After reading a message" value={draft.afterProcessing} onChange={(e) => set({ afterProcessing: e.target.value as Draft['afterProcessing'] })} error={errors.afterProcessing}>
            <option value="move">Move it to a folder</option>
            <option value="delete">Delete it</option>
          </SelectField>
        ) : (
          <p className="field-hint mailbox-pop3-note">POP3 has no folders: each message is deleted once read.</p>
        )}
        {imap && draft.afterProcessing === 'move' ? <TextField label="Move to folder" value={draft.moveTo} onChange={(e) => set({ moveTo: e.target.value })} error={errors.moveTo} placeholder="Processed" hint="Created when missing." /> : null}
        <TextField label="Poll every (seconds)" type="number" min={10} max={86400} value={draft.intervalSeconds} onChange={(e) => set({ intervalSeconds: e.target.value })} error={errors.intervalSeconds} placeholder="60" />
        {draft.security !== 'none' ? (
          <div className="span-2">
            <CheckboxField label="Verify the server's certificate" checked={draft.tlsVerify} onChange={(e) => set({ tlsVerify: e.target.checked })} hint="Turn off only for a server with a self-signed certificate on a network you trust." />
          </div>
        ) : null}
      </div>
      {formError ? <ErrorNote error={formError} /> : null}
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={saving}>
          Add mailbox
        </button>
        <button type="button" className="btn btn-ghost" disabled={saving} onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
