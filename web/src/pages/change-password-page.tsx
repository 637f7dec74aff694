/** First run: the admin logged in with the one-time password and must choose their own. */
import { useState, type FormEvent } from 'react';
import { ApiError, errorText } from '../api';
import { useSession, useUser } from '../session';
import { TextField } from '../components/ui';

export function ChangePasswordPage() {
  const user = useUser();
  const { changePassword, logOut } = useSession();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (next !== again) return setErrors({ again: 'The two new passwords differ' });
    setBusy(true);
    setErrors({});
    try {
      await changePassword(current, next);
    } catch (e) {
      const field = e instanceof ApiError && e.field === 'currentPassword' ? 'current' : e instanceof ApiError && e.field === 'newPassword' ? 'next' : 'form';
      setErrors({ [field]: errorText(e) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="auth-screen">
      <form className="auth-card" onSubmit={(e) => void submit(e)} aria-labelledby="password-title">
        <h1 id="password-title">Choose your password</h1>
        <p className="muted">
          You signed in as <strong>{user.email}</strong> with a one-time password. Choose a new one to continue.
        </p>
        {errors.form ? (
          <p className="note note-error" role="alert">
            {errors.form}
          </p>
        ) : null}
        <TextField label="One-time password" type="password" autoComplete="current-password" required value={current} onChange={(e) => setCurrent(e.target.value)} error={errors.current} autoFocus />
        <TextField label="New password" type="password" autoComplete="new-password" required value={next} onChange={(e) => setNext(e.target.value)} error={errors.next} hint="At least 12 characters." />
        <TextField label="New password again" type="password" autoComplete="new-password" required value={again} onChange={(e) => setAgain(e.target.value)} error={errors.again} />
        <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
          {busy ? 'Saving…' : 'Set password and continue'}
        </button>
        <button type="button" className="btn btn-ghost btn-block" onClick={() => void logOut()}>
          Log out
        </button>
      </form>
    </main>
  );
}
