/** The parts of the server form: what the server is, how to reach it, how to sign in, its limits. */
import { CheckboxField, SelectField, TextField } from './ui';
import { PemField } from './server-pem-field';
import { bind, DEFAULT_PORTS, kindChange, type FormBinding } from './server-form-model';
import type { Security, ServerAuth, ServerKind } from '../types';

const SECURITY_NAMES: Record<Security, string> = { none: 'no encryption', starttls: 'STARTTLS', tls: 'TLS' };
const AUTH_HINTS: Record<ServerAuth, string> = {
  none: 'The server accepts mail from this host without signing in.',
  password: 'The password is stored encrypted and never shown again.',
  certificate: 'The certificate and its private key are stored encrypted and never shown again.',
  oauth2: 'Signs in with OAuth 2.0 (Gmail and Microsoft servers only).',
};
export const numeric = { inputMode: 'numeric', autoComplete: 'off', spellCheck: false } as const;

/** The kinds in the order people choose them; the hint says what each does. */
export const KINDS: Array<{ kind: ServerKind; label: string; hint: string }> = [
  { kind: 'direct', label: 'Built-in delivery', hint: "Postroom delivers straight to each recipient's mail servers (their MX hosts): no relay or account needed." },
  { kind: 'gmail', label: 'Gmail / Google Workspace', hint: 'Sends as one Google account, signed in with OAuth or an app password.' },
  { kind: 'microsoft', label: 'Microsoft 365 / Outlook', hint: 'Sends as one Microsoft account, signed in with OAuth or an app password.' },
  { kind: 'smtp', label: 'SMTP server', hint: 'Delivers through an SMTP server: a relay, your provider or your own MTA.' },
  { kind: 'sandbox', label: 'Sandbox', hint: 'Keeps what it “sends” in the Sandbox inbox: nothing leaves Postroom.' },
];

export function GeneralFields({ b }: { b: FormBinding }) {
  const { form } = b;
  const microsoft = form.kind === 'microsoft';
  return (
    <div className="form-grid">
      <TextField label="Name" required maxLength={100} autoComplete="off" {...bind(b, 'name')} />
      <SelectField
        label="Kind"
        hint={KINDS.find((k) => k.kind === form.kind)?.hint}
        {...bind(b, 'kind')}
        onChange={(e) => b.update(kindChange(form, e.target.value as ServerKind))}
      >
        {KINDS.map((k) => (
          <option key={k.kind} value={k.kind}>
            {k.label}
          </option>
        ))}
      </SelectField>
      <TextField label="Priority" {...numeric} hint="Lower is preferred among servers whose From filter matches equally well." {...bind(b, 'priority')} />
      <TextField
        label="From filter"
        placeholder={microsoft ? 'the account address' : 'any sender'}
        spellCheck={false}
        hint={
          microsoft
            ? 'Microsoft 365 sends only as the signed-in account, so this server’s From filter is the account address.'
            : 'Which senders may use this server: empty for any, a domain (example.com), an address (news@example.com), or a comma-separated list.'
        }
        {...bind(b, 'fromFilter')}
        {...(microsoft ? { value: form.account, readOnly: true } : {})}
      />
      <div className="span-2">
        <CheckboxField label="Active" checked={form.active} onChange={(e) => b.update({ active: e.target.checked })} hint="Routing only uses active servers." />
      </div>
    </div>
  );
}

export function ConnectionFields({ b }: { b: FormBinding }) {
  const { form } = b;
  const defaultPort = DEFAULT_PORTS[form.security];
  // A port that was only the old mode's default follows the new mode (587 → 465 for TLS).
  const changeSecurity = (security: Security) => b.update(form.port === String(DEFAULT_PORTS[form.security]) ? { security, port: '' } : { security });
  return (
    <fieldset>
      <legend>Connection</legend>
      <div className="form-grid">
        <TextField label="Host" placeholder="smtp.example.com" autoComplete="off" spellCheck={false} {...bind(b, 'host')} />
        <TextField label="Port" {...numeric} placeholder={String(defaultPort)} hint={`Empty: ${defaultPort}, the usual port for ${SECURITY_NAMES[form.security]}.`} {...bind(b, 'port')} />
        <SelectField label="Security" {...bind(b, 'security')} onChange={(e) => changeSecurity(e.target.value as Security)}>
          <option value="starttls">STARTTLS (upgrade after connecting)</option>
          <option value="tls">TLS (encrypted from the start)</option>
          <option value="none">None (plain text)</option>
        </SelectField>
        <div className="server-check-cell">
          <CheckboxField
            label="Verify the server's TLS certificate"
            checked={form.tlsVerify}
            onChange={(e) => b.update({ tlsVerify: e.target.checked })}
            hint={form.security === 'none' ? 'Not used without STARTTLS or TLS.' : 'Turn off only for a test server; prefer trusting its CA below.'}
          />
        </div>
        <div className="span-2">
          <PemField
            label="CA certificate to trust (PEM)"
            what="CA certificate"
            value={form.tlsCa}
            onChange={(tlsCa) => b.update({ tlsCa })}
            error={b.errors.tlsCa}
            placeholder="-----BEGIN CERTIFICATE-----"
            hint="Only for a server whose certificate a private CA signed. Empty: the system's trusted CAs."
            maxChars={200_000}
          />
        </div>
      </div>
    </fieldset>
  );
}

export function AuthenticationFields({ b }: { b: FormBinding }) {
  const { form, server } = b;
  const savedPassword = server?.auth === 'password' && server.hasSecret;
  const savedCertificate = server?.auth === 'certificate' && server.hasSecret;
  return (
    <fieldset>
      <legend>Authentication</legend>
      <div className="form-grid">
        <SelectField
          label="Authentication"
          hint={AUTH_HINTS[form.auth] + (form.auth === 'certificate' && form.security === 'none' ? ' It needs STARTTLS or TLS.' : '')}
          {...bind(b, 'auth')}
        >
          <option value="none">None</option>
          <option value="password">Username and password</option>
          <option value="certificate">Client certificate</option>
        </SelectField>
        <div className="server-auth-spacer" aria-hidden="true" />
        {form.auth === 'password' ? (
          <>
            <TextField label="Username" autoComplete="off" spellCheck={false} {...bind(b, 'username')} />
            <TextField
              label="Password"
              type="password"
              autoComplete="new-password"
              placeholder={savedPassword ? '•••••••• (unchanged)' : undefined}
              hint={savedPassword ? 'A password is set: leave this empty to keep it.' : undefined}
              {...bind(b, 'password')}
            />
          </>
        ) : null}
        {form.auth === 'certificate' ? (
          <>
            {savedCertificate ? (
              <p className="note server-secret-note span-2">
                <span>
                  <strong>A certificate is set.</strong> Leave both fields empty to keep it, or upload or paste a new certificate and its key to replace it.
                </span>
              </p>
            ) : null}
            <PemField
              label="Client certificate (PEM)"
              what="client certificate"
              value={form.certificate}
              onChange={(certificate) => b.update({ certificate })}
              error={b.errors.certificate}
              placeholder={savedCertificate ? 'a certificate is set (unchanged)' : '-----BEGIN CERTIFICATE-----'}
              maxChars={100_000}
            />
            <PemField
              label="Private key (PEM)"
              what="private key"
              value={form.privateKey}
              onChange={(privateKey) => b.update({ privateKey })}
              error={b.errors.privateKey}
              placeholder={savedCertificate ? 'a key is set (unchanged)' : '-----BEGIN PRIVATE KEY-----'}
              maxChars={100_000}
            />
          </>
        ) : null}
      </div>
    </fieldset>
  );
}

export function LimitsFields({ b }: { b: FormBinding }) {
  return (
    <fieldset>
      <legend>Limits</legend>
      <div className="form-grid">
        <TextField
          label="Send no more than N messages at a time"
          {...numeric}
          placeholder="default"
          hint="Connections open to this server at once, across every worker. Empty: the configured default (5 unless changed)."
          {...bind(b, 'maxConcurrent')}
        />
      </div>
      <div className="server-quotas">
        <TextField label="Per minute" {...numeric} placeholder="no limit" {...bind(b, 'perMinute')} />
        <TextField label="Per hour" {...numeric} placeholder="no limit" {...bind(b, 'perHour')} />
        <TextField label="Per day" {...numeric} placeholder="no limit" {...bind(b, 'perDay')} />
      </div>
      <p className="field-hint server-quotas-hint">Quotas count sends (one per recipient) in each minute, hour and day of the clock (UTC), across every worker; over a quota, messages wait. Empty: no limit.</p>
    </fieldset>
  );
}
