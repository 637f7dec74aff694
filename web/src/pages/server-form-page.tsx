/**
 * Add or edit an outgoing server: every field of the engine's server record for its kind, Test
 * Connection for a saved one, and Remove. A saved server's page also shows its state, quotas and
 * throttled destinations (kept live), and for an OAuth account the Connect card. Secrets
 * (passwords, client certificate and key) are write-only: left empty on edit, they stay as they are.
 */
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { api } from '../api';
import { useApiGet } from '../use-api';
import { useRefreshOnEvents } from '../live-events';
import { Link, navigate, useLocation } from '../router';
import { useToast } from '../toasts';
import { formatAgo } from '../format';
import { ErrorNote, Loading, Page } from '../components/ui';
import { AuthenticationFields, ConnectionFields, GeneralFields, KINDS, LimitsFields } from '../components/server-form-sections';
import { AccountFields, DirectFields } from '../components/server-kind-fields';
import { bodyOf, errorsOf, formOf, isAccountKind, newForm, numberErrors, type FormErrors, type ServerForm } from '../components/server-form-model';
import { TestConnectionButton, TestConnectionResult, useConnectionTest } from '../components/server-test-connection';
import { ServerStatus } from '../components/server-state';
import { OAuthConnect } from '../components/server-oauth-connect';
import { NotFoundPage } from './not-found-page';
import type { ServerKind, ServerView } from '../types';

export function ServerFormPage({ id }: { id: string | null }) {
  const existing = useApiGet<ServerView>(id ? `/servers/${encodeURIComponent(id)}` : null);
  const kind = useLocation().search.get('kind');
  const name = existing.data?.name;
  // Pauses, slow-downs and quotas change with every attempt through this server.
  useRefreshOnEvents(existing.reload, (event) => name !== undefined && event.server === name, 2000);
  if (id === null) return <ServerEditor initial={null} live={null} reload={existing.reload} kind={KINDS.some((k) => k.kind === kind) ? (kind as ServerKind) : undefined} />;
  if (existing.status === 404) return <NotFoundPage what="server" />;
  if (!existing.data)
    return (
      <Page title="Server" subtitle={<Link to="/servers">← All servers</Link>}>
        {existing.error ? <ErrorNote error={existing.error} onRetry={existing.reload} /> : <Loading what="Loading the server" />}
      </Page>
    );
  return <ServerEditor initial={existing.data} live={existing.data} reload={existing.reload} />;
}

/** `live`: the server as last loaded, with its state; `reload` loads it again after a save. */
function ServerEditor({ initial, live, reload, kind }: { initial: ServerView | null; live: ServerView | null; reload(): void; kind?: ServerKind | undefined }) {
  const [saved, setSaved] = useState<ServerView | null>(initial);
  const [form, setForm] = useState<ServerForm>(() => (initial ? formOf(initial) : newForm(kind)));
  const [errors, setErrors] = useState<FormErrors>({});
  const [busy, setBusy] = useState(false);
  const toast = useToast();
  const test = useConnectionTest(saved?.id ?? '');
  const formRef = useRef<HTMLFormElement>(null);

  const update = useCallback((changes: Partial<ServerForm>) => {
    setForm((f) => ({ ...f, ...changes }));
    setErrors((e) => {
      const keys = Object.keys(changes);
      return keys.some((key) => key in e) ? Object.fromEntries(Object.entries(e).filter(([key]) => !keys.includes(key))) : e;
    });
  }, []);

  // Take the eye (and the keyboard) to the first problem.
  useEffect(() => {
    if (Object.keys(errors).length === 0) return;
    const first = formRef.current?.querySelector<HTMLElement>('.server-form-error, [aria-invalid="true"]');
    first?.focus();
  }, [errors]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const problems = numberErrors(form);
    if (!form.name.trim()) problems.name = 'is required';
    setErrors(problems);
    if (Object.keys(problems).length) return;
    setBusy(true);
    try {
      const path = saved ? `/servers/${encodeURIComponent(saved.id)}` : '/servers';
      const answer = await api<ServerView>(saved ? 'PATCH' : 'POST', path, bodyOf(form, saved));
      if (saved) {
        setSaved(answer);
        setForm(formOf(answer));
        reload();
        toast({ kind: 'success', title: 'Server saved', body: answer.name });
      } else {
        toast({ kind: 'success', title: 'Server added', body: `${answer.name}: ${answer.auth === 'oauth2' ? 'connect its account' : 'try Test Connection'}.` });
        navigate(`/servers/${encodeURIComponent(answer.id)}`, { replace: true });
      }
    } catch (error) {
      setErrors(errorsOf(error, form));
    } finally {
      setBusy(false);
    }
  };

  const remove = async () => {
    if (!saved || !window.confirm(`Remove the server “${saved.name}”? This cannot be undone.`)) return;
    try {
      await api('DELETE', `/servers/${encodeURIComponent(saved.id)}`);
      toast({ kind: 'success', title: 'Server removed', body: saved.name });
      navigate('/servers');
    } catch (error) {
      setErrors(errorsOf(error, form));
    }
  };

  const b = { form, errors, update, server: saved };
  const dirty = saved !== null && JSON.stringify(form) !== JSON.stringify(formOf(saved));
  const resultId = 'server-test-result';

  return (
    <Page
      title={saved ? saved.name : 'Add server'}
      subtitle={
        <>
          <Link to="/servers">← All servers</Link>
          {saved ? <span className="muted"> · changed {formatAgo(saved.updatedAt)}</span> : null}
        </>
      }
      actions={saved ? <TestConnectionButton test={test} resultId={resultId} /> : null}
    >
      {saved ? (
        <div className="server-form-test">
          {dirty ? <p className="muted small server-form-dirty">You have unsaved changes: Test Connection uses the saved settings.</p> : null}
          <TestConnectionResult test={test} id={resultId} onDismiss={test.clear} />
        </div>
      ) : null}
      {live ? <ServerStatus server={live} /> : null}
      {live && isAccountKind(live.kind) && live.auth === 'oauth2' ? <OAuthConnect server={live} /> : null}
      <form ref={formRef} className="form card server-form" onSubmit={(e) => void submit(e)} noValidate aria-label={saved ? `Server ${saved.name}` : 'New server'}>
        {errors.form ? (
          <p className="note note-error server-form-error" role="alert" tabIndex={-1}>
            <span>{errors.form}</span>
          </p>
        ) : null}
        <GeneralFields b={b} />
        {form.kind === 'smtp' ? (
          <>
            <ConnectionFields b={b} />
            <AuthenticationFields b={b} />
          </>
        ) : null}
        {form.kind === 'direct' ? <DirectFields b={b} /> : null}
        {isAccountKind(form.kind) ? <AccountFields b={b} /> : null}
        <LimitsFields b={b} />
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? 'Saving…' : 'Save'}
          </button>
          <Link className="btn btn-ghost" to="/servers">
            Cancel
          </Link>
          {saved ? (
            <button type="button" className="btn btn-danger server-remove" onClick={() => void remove()}>
              Remove
            </button>
          ) : null}
        </div>
      </form>
    </Page>
  );
}
