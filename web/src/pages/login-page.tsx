import { useState, type FormEvent } from 'react';
import { errorText } from '../api';
import { useSession } from '../session';
import { TextField } from '../components/ui';

export function LoginPage() {
  const { logIn } = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await logIn(email, password);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="auth-screen">
      <form className="auth-card" onSubmit={(e) => void submit(e)} aria-labelledby="login-title">
        <p className="brand">
          <span className="brand-mark" aria-hidden="true">
            ✉
          </span>
          Postroom
        </p>
        <h1 id="login-title">Log in</h1>
        {error ? (
          <p className="note note-error" role="alert">
            {error}
          </p>
        ) : null}
        <TextField label="Email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} autoFocus />
        <TextField label="Password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
        <p className="muted small">On first start, <code>postroom serve</code> prints the admin's one-time password.</p>
      </form>
    </main>
  );
}
