/** A login just made: its username and password (shown this once) beside the relay's settings. */
import { useToast } from '../toasts';
import type { NewSmtpCredential } from '../smtp-credential-types';
import { RelaySettings } from './smtp-relay-settings';

function Secret({ value, what, testId }: { value: string; what: string; testId: string }) {
  const toast = useToast();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      toast({ kind: 'success', title: `${what} copied` });
    } catch {
      toast({ kind: 'error', title: 'Could not copy', body: `Select the ${what.toLowerCase()} and copy it by hand.` });
    }
  };
  return (
    <div className="new-api-key-row">
      <code className="new-api-key-value" data-testid={testId}>
        {value}
      </code>
      <button type="button" className="btn btn-small" onClick={() => void copy()} aria-label={`Copy the ${what.toLowerCase()}`}>
        Copy
      </button>
    </div>
  );
}

export function NewSmtpCredentialPanel({ created, owner, starttls, onDone }: { created: NewSmtpCredential; owner: string | null; starttls: boolean; onDone: () => void }) {
  return (
    <div className="new-api-key new-smtp-credential" data-testid="new-smtp-credential" role="region" aria-label="New SMTP relay login">
      <p>
        <strong>New SMTP relay login “{created.name}”</strong>
        {owner ? <span className="muted"> for {owner}</span> : null}
      </p>
      <p className="small">
        The password is shown once: copy it now into the application's mail settings. Postroom stores only a hash of it; if it is lost, revoke this login and create another.
      </p>
      <RelaySettings
        starttls={starttls}
        login={{
          username: <Secret value={created.username} what="Username" testId="new-smtp-credential-username" />,
          password: <Secret value={created.password} what="Password" testId="new-smtp-credential-password" />,
        }}
      />
      <p className="small muted">
        May send as {created.allowedFrom.join(', ')}; {created.lane} lane{created.server ? `, through ${created.server}` : ''}.
      </p>
      <button type="button" className="btn btn-small btn-ghost" onClick={onDone}>
        I have copied it
      </button>
    </div>
  );
}
