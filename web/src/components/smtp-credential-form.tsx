/** Creating an SMTP relay login: what it may send as, in which lane, and (admins) through which server and for whom. */
import { useState, type FormEvent } from 'react';
import { api, ApiError, errorText } from '../api';
import { useApiGet } from '../use-api';
import { useUser } from '../session';
import { CheckboxField, ErrorNote, SelectField, TextField } from './ui';
import type { UserView } from '../types';
import type { ServerView } from '../server-types';
import type { NewSmtpCredential, SmtpLane } from '../smtp-credential-types';

type Field = 'name' | 'allowFrom' | 'lane' | 'server' | 'userId';
const FIELDS: readonly string[] = ['name', 'allowFrom', 'lane', 'server', 'userId'] satisfies Field[];

/** `users`: for an admin, everyone (the owner can be chosen, and so can a server); null for a sender. */
export function CreateSmtpCredentialForm({ users, onCreated }: { users: UserView[] | null; onCreated: (created: NewSmtpCredential) => void }) {
  const me = useUser();
  // Only an admin may list servers; a sender's logins go wherever routing sends their mail.
  const servers = useApiGet<{ servers: ServerView[] }>(users ? '/servers' : null);
  const [name, setName] = useState('');
  const [allowFrom, setAllowFrom] = useState('');
  const [lane, setLane] = useState<SmtpLane>('transactional');
  const [server, setServer] = useState('');
  const [trackOpens, setTrackOpens] = useState(false);
  const [trackClicks, setTrackClicks] = useState(false);
  const [owner, setOwner] = useState(me.id);
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaving(true);
    setErrors({});
    setFormError(null);
    try {
      // Empty fields are left out, so the API's defaults apply (a name, the owner's domain).
      const body: Record<string, string | boolean> = { lane, trackOpens, trackClicks };
      if (name.trim()) body.name = name.trim();
      if (allowFrom.trim()) body.allowFrom = allowFrom.trim();
      if (server) body.server = server;
      if (users && owner !== me.id) body.userId = owner;
      onCreated(await api<NewSmtpCredential>('POST', '/smtp-credentials', body));
      setName('');
      setAllowFrom('');
    } catch (e) {
      const field = e instanceof ApiError ? e.field : null;
      if (field && FIELDS.includes(field)) setErrors({ [field]: errorText(e) });
      else setFormError(errorText(e));
    } finally {
      setSaving(false);
    }
  };

  return (
    <form className="form api-keys-create" onSubmit={(e) => void submit(e)} noValidate data-testid="smtp-credential-form">
      <fieldset>
        <legend>Create an SMTP relay login</legend>
        <div className="api-keys-create-grid">
          <TextField label="Name" value={name} onChange={(e) => setName(e.target.value)} error={errors.name} hint="To tell logins apart, e.g. “ERP”. Default: SMTP relay." autoComplete="off" maxLength={100} />
          <TextField
            label="May send as"
            value={allowFrom}
            onChange={(e) => setAllowFrom(e.target.value)}
            error={errors.allowFrom}
            hint="From addresses and domains, comma-separated, e.g. billing@example.com, example.org. Empty: the domain of the owner's address."
            autoComplete="off"
            spellCheck={false}
          />
          <SelectField label="Lane" value={lane} onChange={(e) => setLane(e.target.value as SmtpLane)} error={errors.lane} hint="Transactional mail (receipts, password resets) is sent before bulk mail (newsletters), so a newsletter never holds up a password reset.">
            <option value="transactional">Transactional</option>
            <option value="bulk">Bulk</option>
          </SelectField>
          {users ? (
            <SelectField label="Server" value={server} onChange={(e) => setServer(e.target.value)} error={errors.server} hint="Optional: send all its mail through this server.">
              <option value="">Any (routing decides)</option>
              {(servers.data?.servers ?? []).map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </SelectField>
          ) : null}
          {users ? (
            <SelectField label="Owner" value={owner} onChange={(e) => setOwner(e.target.value)} error={errors.userId} hint="The login sends as this user.">
              {users.map((u) => (
                <option key={u.id} value={u.id}>
                  {u.email}
                  {u.id === me.id ? ' (you)' : ''}
                </option>
              ))}
            </SelectField>
          ) : null}
          <CheckboxField label="Track opens" checked={trackOpens} onChange={(e) => setTrackOpens(e.target.checked)} hint="Adds the open pixel to the HTML of its messages. A message's X-Postroom-Track header (opens, clicks, “opens, clicks” or none) overrides this." />
          <CheckboxField label="Track clicks" checked={trackClicks} onChange={(e) => setTrackClicks(e.target.checked)} hint="Turns the links in the HTML of its messages into click links." />
        </div>
        {formError ? <ErrorNote error={formError} /> : null}
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={saving}>
            Create SMTP login
          </button>
        </div>
      </fieldset>
    </form>
  );
}
