/**
 * Global settings (admin): how From is rewritten, sending domains, tracking, bounces and the
 * guardrail, the bulk server, webhooks; the mailboxes polled for bounces; and this browser's
 * desktop notifications. A setting the API has and this form does not know yet is shown under
 * "Other settings" with the description the API gives it (its OpenAPI document).
 */
import { useEffect, useState, type FormEvent } from 'react';
import { api, ApiError, errorText } from '../api';
import { useApiGet } from '../use-api';
import { useToast } from '../toasts';
import { Card, CheckboxField, ErrorNote, Loading, Page, SelectField, TextField } from '../components/ui';
import { useNotificationPermission } from './dashboard-page';
import { BounceMailboxes } from '../components/bounce-mailboxes';
import type { ServerView, Settings } from '../types';

/** Settings that are plain text in the form (the rest: the bulk server select and the webhook checkbox). */
const TEXT_KEYS = [
  'domain_alias',
  'default_from',
  'sending_ips',
  'spf_include',
  'mail_host',
  'bounce_domain',
  'tracking_domain',
  'dmarc_reports',
  'tracking_base_url',
  'soft_bounce_limit',
  'soft_bounce_window_days',
  'soft_bounce_suppress_days',
  'bounce_guardrail_percent',
  'complaint_guardrail_percent',
] as const;
type TextKey = (typeof TEXT_KEYS)[number];
const KNOWN: ReadonlySet<string> = new Set([...TEXT_KEYS, 'bulk_server', 'webhooks_allow_private']);

type Form = Record<TextKey, string> & { bulk_server: string; webhooks_allow_private: boolean; other: Record<string, string> };
type Key = Exclude<keyof Form, 'other'>;

const toForm = (s: Settings): Form => ({
  ...(Object.fromEntries(TEXT_KEYS.map((k) => [k, s[k] ?? ''])) as Record<TextKey, string>),
  bulk_server: s.bulk_server ?? '',
  webhooks_allow_private: s.webhooks_allow_private === 'true',
  other: Object.fromEntries(Object.keys(s).filter((k) => !KNOWN.has(k)).map((k) => [k, s[k] ?? ''])),
});

type TextFieldSpec = { key: TextKey; label: string; placeholder: string; hint: string; inputMode?: 'numeric' | 'decimal' };

const DOMAIN_FIELDS: TextFieldSpec[] = [
  { key: 'sending_ips', label: 'Sending IP addresses', placeholder: '192.0.2.10, 2001:db8::10', hint: 'The public addresses mail leaves from: SPF records list them, and domain checks evaluate SPF for them.' },
  { key: 'spf_include', label: 'SPF include', placeholder: '_spf.mail.example.net', hint: 'A domain whose SPF record covers the servers mail leaves through; SPF records include it.' },
  { key: 'mail_host', label: 'Public host name', placeholder: 'mail.example.net', hint: "This installation's host name: the bounce domain's MX and the tracking domain's target." },
  { key: 'bounce_domain', label: 'Bounce domain', placeholder: 'bounces.example.com', hint: 'Return-path domain bounces come back to.' },
  { key: 'tracking_domain', label: 'Tracking domain', placeholder: 'track.example.com', hint: 'Host name of open and click tracking links.' },
  { key: 'dmarc_reports', label: 'DMARC report address', placeholder: 'dmarc@example.com', hint: 'Where DMARC aggregate reports go (rua=) in suggested records.' },
];

/** The placeholders are the defaults an empty setting means. */
const FEEDBACK_FIELDS: TextFieldSpec[] = [
  {
    key: 'tracking_base_url',
    label: 'Tracking base URL',
    placeholder: 'https://track.example.com',
    hint: 'Where open, click and unsubscribe links point. Empty: https:// and the tracking domain; without either, mail carries no tracking links.',
  },
  { key: 'soft_bounce_limit', label: 'Soft bounces before suppression', placeholder: '3', hint: 'Soft bounces of one address within the window below that put it on the suppression list. Empty: 3.', inputMode: 'numeric' },
  { key: 'soft_bounce_window_days', label: 'Soft bounce window (days)', placeholder: '7', hint: 'The days soft bounces are counted over. Empty: 7.', inputMode: 'numeric' },
  { key: 'soft_bounce_suppress_days', label: 'Soft-bounce suppression lasts (days)', placeholder: '30', hint: 'How long an address stays suppressed after too many soft bounces; 0: until removed. Empty: 30.', inputMode: 'numeric' },
  { key: 'bounce_guardrail_percent', label: 'Bounce guardrail (%)', placeholder: '5', hint: 'A sending campaign whose bounce rate passes this is paused, saying why. Empty: 5.', inputMode: 'decimal' },
  { key: 'complaint_guardrail_percent', label: 'Complaint guardrail (%)', placeholder: '0.3', hint: 'A sending campaign whose complaint rate passes this is paused, saying why. Empty: 0.3.', inputMode: 'decimal' },
];

/** The descriptions of the settings, from the API's OpenAPI document: for settings this form does not know yet. */
function useSettingDescriptions(wanted: boolean): Record<string, string> {
  const doc = useApiGet<{ paths?: Record<string, { get?: { responses?: Record<string, { content?: Record<string, { schema?: { properties?: Record<string, { description?: string }> } }> }> } }> }>(wanted ? '/openapi.json' : null);
  const properties = doc.data?.paths?.['/api/v1/settings']?.get?.responses?.['200']?.content?.['application/json']?.schema?.properties ?? {};
  return Object.fromEntries(Object.entries(properties).map(([key, p]) => [key, p.description ?? '']));
}

export function SettingsPage() {
  const settings = useApiGet<Settings>('/settings');
  const servers = useApiGet<{ servers: ServerView[] }>('/servers');
  const toast = useToast();
  const [form, setForm] = useState<Form | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  useEffect(() => {
    if (settings.data) setForm(toForm(settings.data));
  }, [settings.data]);

  const otherKeys = Object.keys(form?.other ?? {});
  const descriptions = useSettingDescriptions(otherKeys.length > 0);
  const set = <K extends Key>(key: K, value: Form[K]) => setForm((f) => (f ? { ...f, [key]: value } : f));
  const setOther = (key: string, value: string) => setForm((f) => (f ? { ...f, other: { ...f.other, [key]: value } } : f));
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!form) return;
    setSaving(true);
    setErrors({});
    setFormError(null);
    try {
      const saved = await api<Settings>('PATCH', '/settings', {
        ...Object.fromEntries(TEXT_KEYS.map((k) => [k, form[k].trim()])),
        bulk_server: form.bulk_server,
        webhooks_allow_private: form.webhooks_allow_private ? 'true' : '',
        ...Object.fromEntries(Object.entries(form.other).map(([k, v]) => [k, v.trim()])),
      });
      setForm(toForm(saved));
      settings.reload();
      toast({ kind: 'success', title: 'Settings saved' });
    } catch (e) {
      const field = e instanceof ApiError ? e.field : null;
      if (field && (KNOWN.has(field) || otherKeys.includes(field))) setErrors({ [field]: errorText(e) });
      else setFormError(errorText(e));
    } finally {
      setSaving(false);
    }
  };

  const undo = () => {
    if (settings.data) setForm(toForm(settings.data));
    setErrors({});
    setFormError(null);
  };
  const names = (servers.data?.servers ?? []).map((s) => s.name);
  if (form?.bulk_server && !names.includes(form.bulk_server)) names.push(form.bulk_server);
  const example = `${form?.default_from || '{default From}'}@${form?.domain_alias || '{domain alias}'}`;

  return (
    <Page title="Settings" subtitle="Settings for the whole of Postroom, for every user.">
      {settings.error ? <ErrorNote error={settings.error} onRetry={settings.reload} /> : null}
      {!form && settings.loading ? <Loading what="Loading settings" /> : null}
      {form ? (
        <Card title="Sending">
          <form className="form" onSubmit={(e) => void submit(e)} noValidate>
            <fieldset>
              <legend>Rewriting From</legend>
              <p className="field-hint settings-intro">
                When no active server&rsquo;s From filter matches a message&rsquo;s From, it goes out as <code>{example}</code>, with the original sender as Reply-To. Leave
                both empty to fail such messages instead.
              </p>
              <div className="form-grid">
                <TextField
                  label="Domain alias"
                  value={form.domain_alias}
                  onChange={(e) => set('domain_alias', e.target.value)}
                  error={errors.domain_alias}
                  placeholder="example.com"
                  hint="Domain used when From must be rewritten. Empty: not set."
                  autoComplete="off"
                />
                <TextField
                  label="Default From (local part)"
                  value={form.default_from}
                  onChange={(e) => set('default_from', e.target.value)}
                  error={errors.default_from}
                  placeholder="notifications"
                  hint="Local part used when From must be rewritten, for example “notifications”."
                  autoComplete="off"
                />
              </div>
            </fieldset>
            <fieldset>
              <legend>Sending domains</legend>
              <p className="field-hint settings-intro">What the DNS records suggested on the Domains page are made from, and what their checks test.</p>
              <div className="form-grid">
                {DOMAIN_FIELDS.map((f) => (
                  <TextField key={f.key} label={f.label} value={form[f.key]} onChange={(e) => set(f.key, e.target.value)} error={errors[f.key]} placeholder={f.placeholder} hint={f.hint} autoComplete="off" />
                ))}
              </div>
            </fieldset>
            <fieldset>
              <legend>Tracking, bounces and the guardrail</legend>
              <p className="field-hint settings-intro">How opens and clicks are tracked, when bounces put an address on the suppression list, and when a campaign is paused for its bounce or complaint rate.</p>
              <div className="form-grid">
                {FEEDBACK_FIELDS.map((f) => (
                  <div key={f.key} className={f.key === 'tracking_base_url' ? 'span-2' : undefined}>
                    <TextField label={f.label} value={form[f.key]} onChange={(e) => set(f.key, e.target.value)} error={errors[f.key]} placeholder={f.placeholder} hint={f.hint} inputMode={f.inputMode} autoComplete="off" />
                  </div>
                ))}
              </div>
            </fieldset>
            {otherKeys.length ? (
              <fieldset>
                <legend>Other settings</legend>
                <div className="form-grid">
                  {otherKeys.map((key) => (
                    <TextField key={key} label={key} value={form.other[key] ?? ''} onChange={(e) => setOther(key, e.target.value)} error={errors[key]} hint={descriptions[key] || undefined} autoComplete="off" />
                  ))}
                </div>
              </fieldset>
            ) : null}
            <fieldset>
              <legend>Campaigns and webhooks</legend>
              <div className="form-grid">
                <SelectField
                  label="Bulk server"
                  value={form.bulk_server}
                  onChange={(e) => set('bulk_server', e.target.value)}
                  error={errors.bulk_server}
                  hint="Server that campaigns use unless they name another."
                >
                  <option value="">None — normal routing</option>
                  {names.map((name) => (
                    <option key={name} value={name}>
                      {name}
                    </option>
                  ))}
                </SelectField>
                <div className="span-2">
                  <CheckboxField
                    label="Allow webhooks to private addresses"
                    checked={form.webhooks_allow_private}
                    onChange={(e) => set('webhooks_allow_private', e.target.checked)}
                    hint="Lets webhook URLs point at loopback, link-local and private addresses. Off by default: a webhook must not reach into this network."
                  />
                  {errors.webhooks_allow_private ? <p className="field-error" role="alert">{errors.webhooks_allow_private}</p> : null}
                </div>
              </div>
            </fieldset>
            {formError ? <ErrorNote error={formError} /> : null}
            {servers.error ? <p className="note note-warn">The list of servers could not be loaded: {servers.error}</p> : null}
            <div className="form-actions">
              <button type="submit" className="btn btn-primary" disabled={saving}>
                Save settings
              </button>
              <button type="button" className="btn btn-ghost" disabled={saving} onClick={undo}>
                Undo changes
              </button>
            </div>
          </form>
        </Card>
      ) : null}
      <BounceMailboxes />
      <DesktopNotificationsCard />
    </Page>
  );
}

function DesktopNotificationsCard() {
  const [permission, ask] = useNotificationPermission();
  return (
    <Card title="Desktop notifications">
      <p className="muted">Postroom can tell you when a server starts failing or a batch of messages finishes, while its tab is in the background. This is set per browser.</p>
      {permission === 'default' ? (
        <button type="button" className="btn" onClick={ask}>
          Enable desktop notifications
        </button>
      ) : null}
      {permission === 'granted' ? <p className="note note-ok">Desktop notifications are on in this browser.</p> : null}
      {permission === 'denied' ? <p className="note note-warn">This browser blocks notifications from Postroom; allow them in the site settings of your browser.</p> : null}
      {permission === 'unsupported' ? <p className="note note-warn">This browser cannot show desktop notifications.</p> : null}
    </Card>
  );
}
