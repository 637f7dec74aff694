/**
 * How many contacts a campaign's lists and segment reach (subscribed, each address once), counted
 * by the API a moment after each change of the choice.
 */
import { useEffect, useMemo, useState } from 'react';
import { api, errorText } from '../api';
import { formatNumber } from '../format';

const COUNT_WAIT_MS = 300;

export type AudienceCount = { contacts: number | null; error: string | null; counting: boolean };

/** The contacts lists and a segment reach (subscribed, each address once), counted a moment after each change. */
export function useAudienceCount(lists: string[], segment: string): AudienceCount {
  const [state, setState] = useState<AudienceCount>({ contacts: null, error: null, counting: false });
  const key = useMemo(() => JSON.stringify([lists, segment]), [lists, segment]);
  useEffect(() => {
    const [chosenLists, chosenSegment] = JSON.parse(key) as [string[], string];
    if (chosenLists.length === 0 && !chosenSegment) return setState({ contacts: 0, error: null, counting: false });
    let current = true;
    setState((s) => ({ ...s, counting: true }));
    const timer = window.setTimeout(() => {
      api<{ contacts: number }>('POST', '/campaigns/audience', { lists: chosenLists, ...(chosenSegment ? { segment: chosenSegment } : {}) })
        .then((answer) => current && setState({ contacts: answer.contacts, error: null, counting: false }))
        .catch((e: unknown) => current && setState({ contacts: null, error: errorText(e), counting: false }));
    }, COUNT_WAIT_MS);
    return () => {
      current = false;
      window.clearTimeout(timer);
    };
  }, [key]);
  return state;
}

export function AudienceLine({ count, compact }: { count: AudienceCount; compact?: boolean }) {
  if (count.error) return <p className="text-bad small">{count.error}</p>;
  return (
    <p className={compact ? 'small muted' : 'audience-count'} aria-live="polite" data-testid="audience-count">
      {count.contacts === null ? (
        'Counting…'
      ) : (
        <>
          <strong>{formatNumber(count.contacts)}</strong> {count.contacts === 1 ? 'contact' : 'contacts'} will receive it
          {count.counting ? <span className="muted"> (counting…)</span> : null}
        </>
      )}
      {compact ? null : <span className="muted"> — subscribed contacts only, each address once.</span>}
    </p>
  );
}
