/**
 * The fields of the kinds that are not an SMTP relay: built-in delivery (the MX port, the EHLO
 * name, the local addresses to send from) and a Gmail or Microsoft account (its address and how
 * Postroom signs in as it). The provider's host and port apply; the CLI and API can override them.
 */
import { SelectField, TextAreaField, TextField } from './ui';
import { bind, type FormBinding } from './server-form-model';
import { numeric } from './server-form-sections';

export function DirectFields({ b }: { b: FormBinding }) {
  return (
    <fieldset>
      <legend>Built-in delivery</legend>
      <div className="form-grid">
        <TextField label="MX port" {...numeric} placeholder="25" hint="The port of the recipients’ mail servers. Empty: 25, the port mail servers listen on." {...bind(b, 'port')} />
        <TextField
          label="EHLO name"
          placeholder="this host’s name"
          autoComplete="off"
          spellCheck={false}
          hint="The name Postroom greets mail servers with; it should resolve to the sending address and match its reverse DNS. Empty: this host’s name."
          {...bind(b, 'ehloName')}
        />
        <div className="span-2">
          <TextAreaField
            label="Source addresses"
            rows={3}
            spellCheck={false}
            autoComplete="off"
            placeholder={'192.0.2.10\n2001:db8::10'}
            hint="Local IPv4 or IPv6 addresses to send from, in turn: one per line or comma-separated. Empty: the system’s choice."
            {...bind(b, 'sourceAddresses')}
          />
        </div>
      </div>
    </fieldset>
  );
}

export function AccountFields({ b }: { b: FormBinding }) {
  const { form, server } = b;
  const provider = form.kind === 'gmail' ? 'Google' : 'Microsoft';
  const savedPassword = server?.auth === 'password' && server.hasSecret;
  return (
    <fieldset>
      <legend>{provider} account</legend>
      <div className="form-grid">
        <TextField
          label="Account address"
          type="email"
          autoComplete="off"
          spellCheck={false}
          placeholder={form.kind === 'gmail' ? 'you@gmail.com' : 'you@company.com'}
          hint="The address this server sends as; it is also the user name."
          {...bind(b, 'account')}
        />
        <SelectField
          label="Sign-in method"
          hint={
            form.auth === 'oauth2'
              ? server?.auth === 'oauth2'
                ? 'Connect the account in the card above.'
                : 'After saving, connect the account on this page: you sign in with ' + provider + ' and allow Postroom to send.'
              : `An app password made in the ${provider} account’s security settings (needs 2-step verification).`
          }
          {...bind(b, 'auth')}
        >
          <option value="oauth2">Connect with OAuth</option>
          <option value="password">App password</option>
        </SelectField>
        {form.auth === 'password' ? (
          <TextField
            label="App password"
            type="password"
            autoComplete="new-password"
            placeholder={savedPassword ? '•••••••• (unchanged)' : undefined}
            hint={savedPassword ? 'An app password is set: leave this empty to keep it.' : 'Stored encrypted and never shown again.'}
            {...bind(b, 'password')}
          />
        ) : null}
      </div>
    </fieldset>
  );
}
