/** The users (admin): who can log in, with what role, and a form to add one. */
import { useState, type FormEvent } from 'react';
import { api, ApiError, errorText } from '../api';
import { useToast } from '../toasts';
import { useUser } from '../session';
import { formatAgo, formatDateTime } from '../format';
import { Card, Empty, ErrorNote, Loading, SelectField, TextField } from './ui';
import type { Loaded } from '../use-api';
import type { Role, UserView } from '../types';

export function UsersCard({ users }: { users: Loaded<{ users: UserView[] }> }) {
  const me = useUser();
  const list = users.data?.users ?? [];
  return (
    <Card title="Users" className="flush">
      {users.error ? <ErrorNote error={users.error} onRetry={users.reload} /> : null}
      {!users.data && users.loading ? <Loading what="Loading users" /> : null}
      {users.data && list.length === 0 ? <Empty>No users.</Empty> : null}
      {list.length > 0 ? (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th>Email</th>
                <th>Role</th>
                <th className="users-hide-narrow">Must change password</th>
                <th className="users-hide-narrow">Created</th>
              </tr>
            </thead>
            <tbody>
              {list.map((u) => (
                <tr key={u.id} data-user-id={u.id}>
                  <td className="users-email">
                    {u.email}
                    {u.id === me.id ? <span className="muted small"> (you)</span> : null}
                    {u.mustChangePassword ? <span className="users-narrow-only small muted">must change password</span> : null}
                  </td>
                  <td>
                    <span className={`badge role-${u.role}`}>{u.role}</span>
                  </td>
                  <td className="users-hide-narrow">{u.mustChangePassword ? 'Yes' : <span className="muted">No</span>}</td>
                  <td className="nowrap users-hide-narrow" title={formatDateTime(u.createdAt)}>
                    {formatAgo(u.createdAt)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <AddUserForm onAdded={users.reload} />
    </Card>
  );
}

type Field = 'email' | 'role' | 'password';

function AddUserForm({ onAdded }: { onAdded: () => void }) {
  const toast = useToast();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('sender');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaving(true);
    setErrors({});
    setFormError(null);
    try {
      const user = await api<UserView>('POST', '/users', { email: email.trim(), role, password });
      toast({ kind: 'success', title: 'User added', body: `${user.email} (${user.role}) can log in now.` });
      setEmail('');
      setPassword('');
      setRole('sender');
      onAdded();
    } catch (e) {
      const field = e instanceof ApiError ? e.field : null;
      if (field === 'email' || field === 'role' || field === 'password') setErrors({ [field]: errorText(e) });
      else setFormError(errorText(e));
    } finally {
      setSaving(false);
    }
  };

  return (
    <form className="form users-add" onSubmit={(e) => void submit(e)} noValidate>
      <fieldset>
        <legend>Add a user</legend>
        <div className="users-add-grid">
          <TextField label="Email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} error={errors.email} autoComplete="off" required />
          <SelectField label="Role" value={role} onChange={(e) => setRole(e.target.value as Role)} error={errors.role} hint={role === 'admin' ? 'Manages servers, settings and users; sees every message.' : 'Sends, and sees only their own messages.'}>
            <option value="sender">sender</option>
            <option value="admin">admin</option>
          </SelectField>
          <TextField
            label="Password"
            type="password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            error={errors.password}
            hint="At least 12 characters; tell it to the user yourself."
            autoComplete="new-password"
            required
          />
        </div>
        {formError ? <ErrorNote error={formError} /> : null}
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={saving}>
            Add user
          </button>
        </div>
      </fieldset>
    </form>
  );
}
