/**
 * Segments: saved filters over contacts. The builder counts the contacts a definition matches as
 * it is edited (POST /segments/count, a moment after the last change), so the number is seen
 * before anything is saved.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { api, ApiError, errorText } from '../api';
import { useApiGet } from '../use-api';
import { Link, setSearch, useLocation } from '../router';
import { useToast } from '../toasts';
import { formatAgo, formatNumber } from '../format';
import { Card, Empty, ErrorNote, Loading, Page, TextField } from '../components/ui';
import { CONTACT_STATUSES, type CampaignView, type ContactList, type SegmentCondition, type SegmentDefinition, type SegmentView } from '../types';

const COUNT_WAIT_MS = 350;
type Kind = 'field' | 'list' | 'status' | 'activity';
const KIND_LABELS: Record<Kind, string> = { field: 'Field', list: 'List', status: 'Status', activity: 'Activity' };
const FIELD_OPS: Array<[op: string, label: string]> = [
  ['eq', 'is'],
  ['neq', 'is not'],
  ['contains', 'contains'],
  ['starts_with', 'starts with'],
  ['gt', 'is greater than'],
  ['lt', 'is less than'],
  ['exists', 'is set'],
  ['not_exists', 'is not set'],
];

const kindOf = (c: SegmentCondition): Kind => ('field' in c ? 'field' : 'list' in c ? 'list' : 'status' in c ? 'status' : 'activity');
const fresh = (kind: Kind, lists: ContactList[]): SegmentCondition =>
  kind === 'field'
    ? { field: 'country', op: 'eq', value: '' }
    : kind === 'list'
      ? { list: lists[0]?.id ?? '', op: 'in' }
      : kind === 'status'
        ? { status: 'subscribed' }
        : { activity: 'opened', campaign: 'any', withinDays: 30, op: 'has' };
const EMPTY: SegmentDefinition = { match: 'all', conditions: [] };

export function SegmentsPage() {
  const { search } = useLocation();
  const editing = search.get('segment') ?? '';
  const segments = useApiGet<{ segments: SegmentView[] }>('/segments');
  const lists = useApiGet<{ lists: ContactList[] }>('/lists');
  const campaigns = useApiGet<{ campaigns: CampaignView[] }>('/campaigns');
  const chosen = segments.data?.segments.find((s) => s.id === editing) ?? null;

  return (
    <Page title="Segments" subtitle="Saved filters over contacts — by field, list, status and engagement — to send campaigns to.">
      <div className="segments-layout">
        <Card title="Saved segments" className="segments-list">
          {segments.error && !segments.data ? <ErrorNote error={segments.error} onRetry={segments.reload} /> : null}
          {!segments.data && !segments.error ? <Loading /> : null}
          {segments.data && segments.data.segments.length === 0 ? <p className="muted small">None yet: build one here and save it.</p> : null}
          <ul className="plain-list">
            {(segments.data?.segments ?? []).map((s) => (
              <li key={s.id}>
                <Link to={`/segments?segment=${s.id}`} aria-current={s.id === editing ? 'page' : undefined}>
                  {s.name}
                </Link>
                <span className="muted small">{formatAgo(s.updatedAt)}</span>
              </li>
            ))}
          </ul>
          <Link className="btn btn-small" to="/segments">
            New segment
          </Link>
        </Card>
        {editing && !chosen && segments.data ? (
          <Empty>This segment does not exist.</Empty>
        ) : (
          <SegmentEditor
            key={chosen?.id ?? 'new'}
            segment={chosen}
            lists={lists.data?.lists ?? []}
            campaigns={campaigns.data?.campaigns ?? []}
            onSaved={(saved) => {
              segments.reload();
              setSearch({ segment: saved.id }, { replace: true });
            }}
          />
        )}
      </div>
    </Page>
  );
}

function SegmentEditor({ segment, lists, campaigns, onSaved }: { segment: SegmentView | null; lists: ContactList[]; campaigns: CampaignView[]; onSaved: (s: SegmentView) => void }) {
  const toast = useToast();
  const [name, setName] = useState(segment?.name ?? '');
  const [definition, setDefinition] = useState<SegmentDefinition>(segment?.definition ?? EMPTY);
  const [count, setCount] = useState<number | null>(null);
  const [countError, setCountError] = useState<string | null>(null);
  const [counting, setCounting] = useState(false);
  const [saveError, setSaveError] = useState<ApiError | null>(null);
  const [saving, setSaving] = useState(false);

  // The live count: a moment after the last change, the newest answer wins.
  useEffect(() => {
    let current = true;
    setCounting(true);
    const timer = window.setTimeout(() => {
      api<{ contacts: number }>('POST', '/segments/count', { definition })
        .then((answer) => current && (setCount(answer.contacts), setCountError(null)))
        .catch((e: unknown) => current && (setCount(null), setCountError(e instanceof ApiError && e.field ? `${e.field}: ${e.message}` : errorText(e))))
        .finally(() => current && setCounting(false));
    }, COUNT_WAIT_MS);
    return () => {
      current = false;
      window.clearTimeout(timer);
    };
  }, [definition]);

  const setCondition = (index: number, condition: SegmentCondition) => setDefinition({ ...definition, conditions: definition.conditions.map((c, i) => (i === index ? condition : c)) });
  const remove = (index: number) => setDefinition({ ...definition, conditions: definition.conditions.filter((_, i) => i !== index) });
  const add = () => setDefinition({ ...definition, conditions: [...definition.conditions, fresh('field', lists)] });

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setSaving(true);
    setSaveError(null);
    try {
      const saved = segment ? await api<SegmentView>('PUT', `/segments/${segment.id}`, { name, definition }) : await api<SegmentView>('POST', '/segments', { name, definition });
      toast({ kind: 'success', title: `Segment "${saved.name}" saved` });
      onSaved(saved);
    } catch (e) {
      setSaveError(e instanceof ApiError ? e : new ApiError(0, 'error', errorText(e), null));
    } finally {
      setSaving(false);
    }
  };

  return (
    <form className="card segment-editor" onSubmit={(e) => void save(e)} aria-label="Segment">
      <header className="card-header">
        <h2>{segment ? `Edit “${segment.name}”` : 'New segment'}</h2>
        <p className="segment-count" aria-live="polite" data-testid="segment-count">
          {countError ? (
            <span className="text-bad">{countError}</span>
          ) : count === null ? (
            'Counting…'
          ) : (
            <>
              <strong>{formatNumber(count)}</strong> {count === 1 ? 'contact matches' : 'contacts match'}
              {counting ? <span className="muted"> (counting…)</span> : null}
            </>
          )}
        </p>
      </header>
      <TextField label="Name" value={name} maxLength={100} required onChange={(e) => setName(e.target.value)} error={saveError?.field === 'name' ? saveError.message : null} />
      <div className="segment-match">
        <label htmlFor="segment-match">Contacts matching</label>
        <select id="segment-match" className="input" value={definition.match} onChange={(e) => setDefinition({ ...definition, match: e.target.value as 'all' | 'any' })}>
          <option value="all">all of these conditions</option>
          <option value="any">any of these conditions</option>
        </select>
      </div>
      {definition.conditions.length === 0 ? <p className="muted small">No conditions: every contact matches. Add one to narrow it down.</p> : null}
      <ol className="conditions">
        {definition.conditions.map((c, i) => (
          <li key={i} className="condition">
            <ConditionRow index={i} condition={c} lists={lists} campaigns={campaigns} onChange={(next) => setCondition(i, next)} />
            <button type="button" className="btn btn-ghost btn-small" aria-label={`Remove condition ${i + 1}`} onClick={() => remove(i)}>
              Remove
            </button>
          </li>
        ))}
      </ol>
      <button type="button" className="btn btn-small" onClick={add}>
        Add condition
      </button>
      {saveError && saveError.field !== 'name' ? <ErrorNote error={saveError.field ? `${saveError.field}: ${saveError.message}` : saveError.message} /> : null}
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={saving || !name.trim()}>
          {saving ? 'Saving…' : 'Save segment'}
        </button>
        {segment ? (
          <Link className="btn" to={`/campaigns/new?segment=${segment.id}`}>
            Send a campaign to it
          </Link>
        ) : null}
      </div>
    </form>
  );
}

function ConditionRow({ index, condition, lists, campaigns, onChange }: { index: number; condition: SegmentCondition; lists: ContactList[]; campaigns: CampaignView[]; onChange: (c: SegmentCondition) => void }) {
  const kind = kindOf(condition);
  const label = (what: string) => `Condition ${index + 1} ${what}`;
  return (
    <div className="condition-parts">
      <select className="input" aria-label={label('kind')} value={kind} onChange={(e) => onChange(fresh(e.target.value as Kind, lists))}>
        {(Object.keys(KIND_LABELS) as Kind[]).map((k) => (
          <option key={k} value={k}>
            {KIND_LABELS[k]}
          </option>
        ))}
      </select>
      {'field' in condition ? (
        <>
          <input className="input" aria-label={label('field')} value={condition.field} placeholder="country" onChange={(e) => onChange({ ...condition, field: e.target.value.trim() })} />
          <select className="input" aria-label={label('operator')} value={condition.op} onChange={(e) => onChange({ ...condition, op: e.target.value as typeof condition.op })}>
            {FIELD_OPS.map(([op, text]) => (
              <option key={op} value={op}>
                {text}
              </option>
            ))}
          </select>
          {condition.op === 'exists' || condition.op === 'not_exists' ? null : <input className="input" aria-label={label('value')} value={String(condition.value ?? '')} onChange={(e) => onChange({ ...condition, value: e.target.value })} />}
        </>
      ) : null}
      {'list' in condition ? (
        <>
          <select className="input" aria-label={label('operator')} value={condition.op} onChange={(e) => onChange({ ...condition, op: e.target.value as 'in' | 'not_in' })}>
            <option value="in">is on</option>
            <option value="not_in">is not on</option>
          </select>
          <select className="input" aria-label={label('list')} value={condition.list} onChange={(e) => onChange({ ...condition, list: e.target.value })}>
            {lists.length === 0 ? <option value="">(no lists yet)</option> : null}
            {lists.map((l) => (
              <option key={l.id} value={l.id}>
                {l.name}
              </option>
            ))}
          </select>
        </>
      ) : null}
      {'status' in condition ? (
        <select className="input" aria-label={label('status')} value={condition.status} onChange={(e) => onChange({ status: e.target.value as typeof condition.status })}>
          {CONTACT_STATUSES.map((s) => (
            <option key={s} value={s}>
              is {s}
            </option>
          ))}
        </select>
      ) : null}
      {'activity' in condition ? (
        <>
          <select className="input" aria-label={label('operator')} value={condition.op} onChange={(e) => onChange({ ...condition, op: e.target.value as 'has' | 'has_not' })}>
            <option value="has">has</option>
            <option value="has_not">has not</option>
          </select>
          <select className="input" aria-label={label('activity')} value={condition.activity} onChange={(e) => onChange({ ...condition, activity: e.target.value as typeof condition.activity })}>
            <option value="received">received</option>
            <option value="opened">opened</option>
            <option value="clicked">clicked</option>
          </select>
          <select className="input" aria-label={label('campaign')} value={condition.campaign} onChange={(e) => onChange({ ...condition, campaign: e.target.value })}>
            <option value="any">any campaign</option>
            {campaigns.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
          <span className="condition-text">in the last</span>
          <input className="input input-days" type="number" min={1} max={3650} aria-label={label('days')} value={condition.withinDays} onChange={(e) => onChange({ ...condition, withinDays: Math.max(1, Number(e.target.value) || 1) })} />
          <span className="condition-text">days</span>
        </>
      ) : null}
    </div>
  );
}
