/**
 * A new campaign in four steps — Content, Audience, Schedule, Review — each checked before the
 * next. The audience step counts the contacts reached as the lists and segment are chosen. On
 * Review it is saved as a draft, or saved and started; an error the API names is shown on its
 * step, beside its field.
 */
import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { api, ApiError, errorText } from '../api';
import { useApiGet } from '../use-api';
import { navigate, useLocation } from '../router';
import { useUser } from '../session';
import { useToast } from '../toasts';
import { formatDateTime, formatNumber } from '../format';
import { DmarcFromWarning } from '../components/dmarc-from-warning';
import { PresendPanel } from '../components/presend-panel';
import { AudienceLine, useAudienceCount } from '../components/audience-count';
import { bodyOf, ERROR_FIELD, problems, stepOf, STEPS, type Draft, type Step } from '../components/campaign-draft';
import { CheckboxField, ErrorNote, Page, SelectField, TextAreaField, TextField } from '../components/ui';
import type { CampaignView, ContactList, SegmentView, ServerView, TemplateView } from '../types';

const BROWSER_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
const ZONES: string[] = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];

export function CampaignWizardPage() {
  const { search } = useLocation();
  const user = useUser();
  const toast = useToast();
  const templates = useApiGet<{ templates: TemplateView[] }>('/templates');
  const lists = useApiGet<{ lists: ContactList[] }>('/lists');
  const segments = useApiGet<{ segments: SegmentView[] }>('/segments');
  const servers = useApiGet<{ servers: ServerView[] }>(user.role === 'admin' ? '/servers' : null);
  const [step, setStep] = useState<Step>('Content');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [draft, setDraft] = useState<Draft>(() => ({
    name: '',
    from: '',
    replyTo: '',
    contentKind: 'template',
    template: search.get('template') ?? '',
    subject: '',
    html: '',
    lists: search.get('list') ? [search.get('list')!] : [],
    segment: search.get('segment') ?? '',
    server: '',
    when: 'now',
    at: '',
    localTime: '09:00',
    date: '',
    timeZone: BROWSER_ZONE,
    windowOn: false,
    windowStart: '09:00',
    windowEnd: '17:00',
    spreadHours: '',
    trackOpens: true,
    trackClicks: true,
  }));
  const set = (patch: Partial<Draft>) => {
    setDraft((d) => ({ ...d, ...patch }));
    // A field changed: what was said about it no longer holds.
    const changed = Object.keys(patch).map((key) => ERROR_FIELD[key as keyof Draft] ?? key);
    setErrors((e) => Object.fromEntries(Object.entries(e).filter(([field]) => !changed.some((c) => field === c || field.startsWith(`${c}.`)))));
  };

  // With no template chosen yet, the first one; with none at all, content of its own.
  const templateList = templates.data?.templates;
  useEffect(() => {
    if (!templateList) return;
    setDraft((d) => (d.contentKind !== 'template' || d.template ? d : templateList.length ? { ...d, template: templateList[0]!.id } : { ...d, contentKind: 'own' }));
  }, [templateList]);

  const audience = useAudienceCount(draft.lists, draft.segment);
  const index = STEPS.indexOf(step);

  const next = (event: FormEvent) => {
    event.preventDefault();
    const found = problems(step, draft);
    setErrors(found);
    setFormError(null);
    if (Object.keys(found).length === 0) setStep(STEPS[index + 1] ?? step);
  };

  const finish = async (start: boolean) => {
    setBusy(true);
    setFormError(null);
    setErrors({});
    try {
      const created = await api<CampaignView>('POST', '/campaigns', bodyOf(draft));
      if (start) await api('POST', `/campaigns/${created.id}/send`);
      toast({ kind: 'success', title: start ? (draft.when === 'now' ? `Campaign "${created.name}" is sending` : `Campaign "${created.name}" is scheduled`) : `Draft "${created.name}" saved` });
      navigate(`/campaigns/${created.id}`);
    } catch (e) {
      if (e instanceof ApiError && e.field) {
        const field = e.field.replace(/\[\d+\]$/, '');
        setErrors({ [field]: e.message });
        setStep(stepOf(field));
        if (stepOf(field) === 'Review') setFormError(`${e.field}: ${e.message}`);
      } else setFormError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  const err = (field: string) => errors[field] ?? null;
  const templateName = templateList?.find((t) => t.id === draft.template)?.name ?? draft.template;
  const listNames = draft.lists.map((id) => lists.data?.lists.find((l) => l.id === id)?.name ?? id);
  const segmentName = segments.data?.segments.find((s) => s.id === draft.segment)?.name ?? draft.segment;
  const serverName = servers.data?.servers.find((s) => s.id === draft.server)?.name;

  return (
    <Page title="New campaign" subtitle="Content, audience, schedule; then review and send.">
      <ol className="steps" aria-label="Steps">
        {STEPS.map((s, i) => (
          <li key={s} aria-current={s === step ? 'step' : undefined} className={i < index ? 'step-done' : undefined}>
            {i < index ? (
              <button type="button" className="step-link" onClick={() => setStep(s)}>
                {i + 1}. {s}
              </button>
            ) : (
              <span>
                {i + 1}. {s}
              </span>
            )}
          </li>
        ))}
      </ol>
      <form className="card form wizard" onSubmit={next} aria-label={step} noValidate>
        {step === 'Content' ? (
          <>
            <div className="form-grid">
              <TextField label="Campaign name" value={draft.name} onChange={(e) => set({ name: e.target.value })} error={err('name')} hint="For you; recipients never see it." maxLength={200} autoFocus />
              <div>
                <TextField label="From" value={draft.from} onChange={(e) => set({ from: e.target.value })} error={err('from')} placeholder="News <news@example.com>" />
                <DmarcFromWarning from={draft.from} />
              </div>
              <TextField label="Reply-To (optional)" value={draft.replyTo} onChange={(e) => set({ replyTo: e.target.value })} error={err('replyTo')} />
              <SelectField label="Content" value={draft.contentKind} onChange={(e) => set({ contentKind: e.target.value as Draft['contentKind'] })}>
                <option value="template">From a template</option>
                <option value="own">Written here</option>
              </SelectField>
              {draft.contentKind === 'template' ? (
                <>
                  <SelectField label="Template" value={draft.template} onChange={(e) => set({ template: e.target.value })} error={err('template')} hint={templateList?.length === 0 ? 'No templates yet: write the content here, or create one on the Templates page.' : undefined}>
                    <option value="">Choose…</option>
                    {(templateList ?? []).map((t) => (
                      <option key={t.id} value={t.id}>
                        {t.name}
                      </option>
                    ))}
                  </SelectField>
                  <TextField label="Subject (optional)" value={draft.subject} onChange={(e) => set({ subject: e.target.value })} error={err('subject')} placeholder={templateList?.find((t) => t.id === draft.template)?.subject ?? "The template's"} hint="Liquid merge tags work here too." />
                </>
              ) : (
                <>
                  <div className="span-2">
                    <TextField label="Subject" value={draft.subject} onChange={(e) => set({ subject: e.target.value })} error={err('subject')} placeholder={'News for {{ contact.first_name | default: "you" }}'} />
                  </div>
                  <div className="span-2">
                    <TextAreaField label="HTML (or MJML) with Liquid merge tags" className="wizard-html" value={draft.html} onChange={(e) => set({ html: e.target.value })} error={err('html')} spellCheck={false} />
                  </div>
                </>
              )}
            </div>
            <fieldset className="wizard-tracking">
              <legend>Tracking</legend>
              <CheckboxField label="Track opens" checked={draft.trackOpens} onChange={(e) => set({ trackOpens: e.target.checked })} hint="An invisible image in each message tells when it is opened. Privacy proxies open every message; their opens are counted apart." />
              <CheckboxField label="Track clicks" checked={draft.trackClicks} onChange={(e) => set({ trackClicks: e.target.checked })} hint="Links go through Postroom, which counts the click and sends the reader on." />
            </fieldset>
          </>
        ) : null}

        {step === 'Audience' ? (
          <>
            <fieldset className={err('lists') ? 'field-invalid' : undefined}>
              <legend>Lists</legend>
              {lists.data && lists.data.lists.length === 0 ? <p className="muted small">No lists yet: import contacts into a list on the Contacts page, or use a segment.</p> : null}
              <div className="list-choices">
                {(lists.data?.lists ?? []).map((l) => (
                  <CheckboxField
                    key={l.id}
                    label={`${l.name} (${formatNumber(l.members)})`}
                    checked={draft.lists.includes(l.id)}
                    onChange={(e) => set({ lists: e.target.checked ? [...draft.lists, l.id] : draft.lists.filter((id) => id !== l.id) })}
                  />
                ))}
              </div>
              {err('lists') ? (
                <p className="field-error" role="alert">
                  {err('lists')}
                </p>
              ) : null}
            </fieldset>
            <div className="form-grid">
              <SelectField label="Segment" value={draft.segment} onChange={(e) => set({ segment: e.target.value })} error={err('segment')} hint={draft.lists.length ? 'With lists chosen, only their contacts that match it.' : 'Alone: every contact that matches it.'}>
                <option value="">No segment</option>
                {(segments.data?.segments ?? []).map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.name}
                  </option>
                ))}
              </SelectField>
              <SelectField label="Using" value={draft.server} onChange={(e) => set({ server: e.target.value })} error={err('server')} hint="The server to send with.">
                <option value="">Default (the bulk server setting, else normal routing)</option>
                {(servers.data?.servers ?? []).map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.name}
                  </option>
                ))}
              </SelectField>
            </div>
            <AudienceLine count={audience} />
          </>
        ) : null}

        {step === 'Schedule' ? (
          <>
            <fieldset>
              <legend>When</legend>
              <Radio name="when" value="now" checked={draft.when === 'now'} onChange={() => set({ when: 'now' })}>
                Now
              </Radio>
              <Radio name="when" value="at" checked={draft.when === 'at'} onChange={() => set({ when: 'at' })}>
                At a time
              </Radio>
              <Radio name="when" value="local" checked={draft.when === 'local'} onChange={() => set({ when: 'local' })}>
                At a local time in each contact's time zone
              </Radio>
            </fieldset>
            <div className="form-grid">
              {draft.when === 'at' ? <TextField label="Date and time" type="datetime-local" value={draft.at} onChange={(e) => set({ at: e.target.value })} error={err('schedule.at')} hint={`In your time zone (${BROWSER_ZONE}).`} /> : null}
              {draft.when === 'local' ? (
                <>
                  <TextField label="Local time" type="time" value={draft.localTime} onChange={(e) => set({ localTime: e.target.value })} error={err('schedule.localTime')} hint="Each contact gets it at this time where they are." />
                  <TextField label="Date (optional)" type="date" value={draft.date} onChange={(e) => set({ date: e.target.value })} error={err('schedule.date')} hint="Left empty: the next such time." />
                </>
              ) : null}
              <TextField label="Campaign time zone" list="time-zones" value={draft.timeZone} onChange={(e) => set({ timeZone: e.target.value })} error={err('schedule.timeZone')} hint="Used for contacts without a time zone of their own, and for the sending window." />
              <datalist id="time-zones">
                {ZONES.map((z) => (
                  <option key={z} value={z} />
                ))}
              </datalist>
              <TextField label="Spread over hours (optional)" type="number" min={0} step="any" value={draft.spreadHours} onChange={(e) => set({ spreadHours: e.target.value })} error={err('schedule.spreadHours')} hint="Sends are spaced evenly over this time instead of all at once." />
            </div>
            <CheckboxField label="Send only within a daily window" checked={draft.windowOn} onChange={(e) => set({ windowOn: e.target.checked })} />
            {draft.windowOn ? (
              <div className="form-grid">
                <TextField label="Window starts" type="time" value={draft.windowStart} onChange={(e) => set({ windowStart: e.target.value })} error={err('schedule.window') ?? err('schedule.window.start')} />
                <TextField label="Window ends" type="time" value={draft.windowEnd} onChange={(e) => set({ windowEnd: e.target.value })} error={err('schedule.window.end')} />
              </div>
            ) : null}
          </>
        ) : null}

        {step === 'Review' ? (
          <>
            <dl className="facts review">
              <dt>Name</dt>
              <dd>{draft.name}</dd>
              <dt>From</dt>
              <dd>
                {draft.from}
                {draft.replyTo ? ` (replies to ${draft.replyTo})` : ''}
              </dd>
              <dt>Content</dt>
              <dd>{draft.contentKind === 'template' ? `Template "${templateName}"` : 'Written here'}</dd>
              <dt>Subject</dt>
              <dd>{draft.subject || templateList?.find((t) => t.id === draft.template)?.subject || '—'}</dd>
              <dt>Audience</dt>
              <dd>
                {[listNames.length ? `Lists: ${listNames.join(', ')}` : null, draft.segment ? `Segment: ${segmentName}` : null].filter(Boolean).join('; ')}
                <AudienceLine count={audience} compact />
              </dd>
              <dt>Using</dt>
              <dd>{serverName ?? 'Default routing'}</dd>
              <dt>When</dt>
              <dd>{describeWhen(draft)}</dd>
              <dt>Tracking</dt>
              <dd>{describeTracking(draft)}</dd>
            </dl>
            {formError ? <ErrorNote error={formError} /> : null}
            {draft.contentKind === 'template' && draft.template ? (
              <PresendPanel request={() => ({ template: draft.template, from: draft.from.trim() })}>
                <p className="muted small">The template sent From {draft.from.trim() || "…"}. A saved draft is checked as one of its own messages on its page.</p>
              </PresendPanel>
            ) : null}
          </>
        ) : null}

        <div className="form-actions wizard-actions">
          {index > 0 ? (
            <button type="button" className="btn" onClick={() => setStep(STEPS[index - 1]!)} disabled={busy}>
              Back
            </button>
          ) : null}
          {step !== 'Review' ? (
            <button type="submit" className="btn btn-primary">
              Next: {STEPS[index + 1]}
            </button>
          ) : (
            <>
              <button type="button" className="btn" onClick={() => void finish(false)} disabled={busy}>
                Save as draft
              </button>
              <button type="button" className="btn btn-primary" onClick={() => void finish(true)} disabled={busy}>
                {busy ? 'Starting…' : draft.when === 'now' ? 'Send now' : 'Schedule'}
              </button>
            </>
          )}
        </div>
      </form>
    </Page>
  );
}

function describeWhen(d: Draft): string {
  const extras = [d.windowOn ? `only between ${d.windowStart} and ${d.windowEnd}` : null, d.spreadHours.trim() ? `spread over ${d.spreadHours} hours` : null].filter(Boolean);
  const base = d.when === 'now' ? 'Now' : d.when === 'at' ? `At ${d.at ? formatDateTime(new Date(d.at).toISOString()) : '—'}` : `At ${d.localTime}${d.date ? ` on ${d.date}` : ''} in each contact's time zone (otherwise ${d.timeZone})`;
  return [base, ...extras].join(', ');
}

function describeTracking(d: Draft): string {
  if (d.trackOpens && d.trackClicks) return 'Opens and clicks';
  if (d.trackOpens) return 'Opens only';
  if (d.trackClicks) return 'Clicks only';
  return 'None';
}

function Radio({ name, value, checked, onChange, children }: { name: string; value: string; checked: boolean; onChange: () => void; children: ReactNode }) {
  return (
    <label className="radio">
      <input type="radio" name={name} value={value} checked={checked} onChange={onChange} /> {children}
    </label>
  );
}
