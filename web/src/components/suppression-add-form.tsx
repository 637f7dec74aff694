/** Suppressing an address by hand: for all mail, or for one list only, with a reason and a note. */
import { useState, type FormEvent } from 'react';
import { api, ApiError, errorText } from '../api';
import { ErrorNote, SelectField, TextField } from './ui';
import { type ContactList } from '../types';
import { SUPPRESSION_REASONS, type SuppressionReason, type SuppressionView } from '../feedback-types';

export function SuppressionAddForm({ lists, onAdded, onCancel }: { lists: ContactList[]; onAdded: (s: SuppressionView) => void; onCancel: () => void }) {
  const [address, setAddress] = useState('');
  const [list, setList] = useState('');
  const [reason, setReason] = useState<SuppressionReason>('manual');
  const [detail, setDetail] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  /** Editing a field takes back what was said about it. */
  const edited = (field: string) => setErrors(({ [field]: _gone, ...rest }) => rest);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!address.trim()) return setErrors({ address: 'is required' });
    setSaving(true);
    setErrors({});
    setFormError(null);
    try {
      const added = await api<SuppressionView>('POST', '/suppressions', { address: address.trim(), reason, ...(list ? { list } : {}), ...(detail.trim() ? { detail: detail.trim() } : {}) });
      setAddress('');
      setDetail('');
      onAdded(added);
    } catch (e) {
      const field = e instanceof ApiError ? e.field : null;
      if (field === 'address' || field === 'list' || field === 'reason' || field === 'detail') setErrors({ [field]: errorText(e) });
      else setFormError(errorText(e));
    } finally {
      setSaving(false);
    }
  };

  return (
    <form className="form" onSubmit={(e) => void submit(e)} noValidate aria-label="Suppress an address">
      <div className="form-grid suppression-add-grid">
        <TextField label="Address" type="email" value={address} onChange={(e) => (setAddress(e.target.value), edited('address'))} error={errors.address} placeholder="someone@example.com" autoComplete="off" autoFocus />
        <SelectField label="For" value={list} onChange={(e) => (setList(e.target.value), edited('list'))} error={errors.list}>
          <option value="">All mail</option>
          {lists.length ? (
            <optgroup label="Only the mail of one list">
              {lists.map((l) => (
                <option key={l.id} value={l.id}>
                  {l.name}
                </option>
              ))}
            </optgroup>
          ) : null}
        </SelectField>
        <SelectField label="Reason" value={reason} onChange={(e) => (setReason(e.target.value as SuppressionReason), edited('reason'))} error={errors.reason}>
          {SUPPRESSION_REASONS.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </SelectField>
        <TextField label="Note (optional)" value={detail} onChange={(e) => (setDetail(e.target.value), edited('detail'))} error={errors.detail} placeholder="Asked by phone not to be mailed" maxLength={1000} />
      </div>
      {formError ? <ErrorNote error={formError} /> : null}
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={saving}>
          Suppress address
        </button>
        <button type="button" className="btn btn-ghost" disabled={saving} onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
