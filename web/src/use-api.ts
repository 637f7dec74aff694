import { useCallback, useEffect, useRef, useState } from 'react';
import { api, errorText, ApiError } from './api';

export interface Loaded<T> {
  data: T | null;
  error: string | null;
  /** The HTTP status of the last failure (404 → show the not-found page). */
  status: number | null;
  loading: boolean;
  /** Loads again; the data shown stays until the new answer arrives (no flicker on live updates). */
  reload(): void;
}

/** GETs `path` (again whenever it changes) and keeps the answer. `null` path: nothing to load yet. */
export function useApiGet<T>(path: string | null): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<number | null>(null);
  const [loading, setLoading] = useState(path !== null);
  const [generation, setGeneration] = useState(0);
  const latest = useRef(0);
  const shownPath = useRef<string | null>(null);

  useEffect(() => {
    if (path === null) return;
    const ticket = ++latest.current;
    if (shownPath.current !== path) {
      shownPath.current = path;
      setData(null);
    }
    setLoading(true);
    api<T>('GET', path)
      .then((answer) => {
        if (ticket !== latest.current) return;
        setData(answer);
        setError(null);
        setStatus(null);
      })
      .catch((e: unknown) => {
        if (ticket !== latest.current) return;
        setError(errorText(e));
        setStatus(e instanceof ApiError ? e.status : null);
      })
      .finally(() => {
        if (ticket === latest.current) setLoading(false);
      });
  }, [path, generation]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { data, error, status, loading, reload };
}
