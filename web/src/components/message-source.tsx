/** A message's source (RFC 5322, as stored and sent), fetched when asked for; long sources are cut. */
import { useEffect, useState } from 'react';
import { formatBytes } from '../format';
import { Loading, ErrorNote } from './ui';

const SHOWN = 200_000;

export function MessageSource({ url }: { url: string }) {
  const [source, setSource] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    let current = true;
    setError(null);
    fetch(url, { credentials: 'same-origin' })
      .then(async (response) => {
        if (!response.ok) throw new Error(`The source could not be loaded (HTTP ${response.status}).`);
        const text = await response.text();
        if (current) setSource(text);
      })
      .catch((e: unknown) => {
        if (current) setError(e instanceof Error ? e.message : String(e));
      });
    return () => {
      current = false;
    };
  }, [url, attempt]);

  if (error) return <ErrorNote error={error} onRetry={() => setAttempt((n) => n + 1)} />;
  if (source === null) return <Loading what="Loading the source" />;
  return (
    <>
      {source.length > SHOWN ? (
        <p className="muted small">
          The first {formatBytes(SHOWN)} of {formatBytes(source.length)}; download the .eml for all of it.
        </p>
      ) : null}
      <pre className="message-text message-source">{source.length > SHOWN ? source.slice(0, SHOWN) : source}</pre>
    </>
  );
}
