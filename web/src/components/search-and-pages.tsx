/**
 * The search box and the Newer / Older pager of a list whose query lives in the URL (`?q=`,
 * `?cursor=`). Pages are cursor-based, so the pager keeps the cursors of the newer pages to go
 * back; a list opened from its address starts afresh.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { setSearch, useLocation } from '../router';

export interface CursorPages {
  q: string;
  cursor: string;
  /** Forget the way back (a new search, another tab). */
  reset(): void;
  newer(): void;
  older(nextCursor: string): void;
}

export function useCursorPages(): CursorPages {
  const { search } = useLocation();
  const q = search.get('q') ?? '';
  const cursor = search.get('cursor') ?? '';
  const [newerCursors, setNewerCursors] = useState<string[]>([]);
  return {
    q,
    cursor,
    reset: () => setNewerCursors([]),
    newer() {
      setSearch({ cursor: newerCursors.at(-1) || undefined });
      setNewerCursors(newerCursors.slice(0, -1));
    },
    older(nextCursor) {
      setNewerCursors([...newerCursors, cursor]);
      setSearch({ cursor: nextCursor });
    },
  };
}

export function SearchForm({ id, pages, label = 'Search by recipient or subject' }: { id: string; pages: CursorPages; label?: string }) {
  const [text, setText] = useState(pages.q);
  useEffect(() => setText(pages.q), [pages.q]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    pages.reset();
    setSearch({ q: text.trim(), cursor: undefined });
  };
  return (
    <form className="toolbar" role="search" onSubmit={submit}>
      <label className="visually-hidden" htmlFor={id}>
        {label}
      </label>
      <input id={id} className="input" type="search" placeholder={label} value={text} onChange={(e) => setText(e.target.value)} />
      <button type="submit" className="btn">
        Search
      </button>
      {pages.q ? (
        <button type="button" className="btn btn-ghost" onClick={() => (setText(''), pages.reset(), setSearch({ q: undefined, cursor: undefined }))}>
          Clear
        </button>
      ) : null}
    </form>
  );
}

/** Newer / Older, shown only when there is more than one page. */
export function Pager({ pages, nextCursor }: { pages: CursorPages; nextCursor: string | null | undefined }) {
  if (!pages.cursor && !nextCursor) return null;
  return (
    <div className="pager">
      <button type="button" className="btn btn-small" disabled={!pages.cursor} onClick={pages.newer}>
        ← Newer
      </button>
      <button type="button" className="btn btn-small" disabled={!nextCursor} onClick={() => nextCursor && pages.older(nextCursor)}>
        Older →
      </button>
    </div>
  );
}
