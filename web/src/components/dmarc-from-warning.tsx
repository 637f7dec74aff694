/**
 * A warning beside a From address whose domain publishes DMARC p=quarantine or p=reject while
 * Postroom has no DKIM key for it (yahoo.com and aol.com style): such mail goes out from the
 * default From instead, the address in Reply-To.
 */
import { useEffect, useState } from 'react';
import { api, query } from '../api';

interface DmarcAnswer {
  domain: string;
  policy: 'none' | 'quarantine' | 'reject' | null;
  signed: boolean;
  rewritten: boolean;
}

/** The address part of `Name <a@b>` or `a@b`. */
const addressOf = (from: string): string | null => /<([^<>\s]+@[^<>\s]+)>\s*$/.exec(from)?.[1] ?? (/^[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+$/.test(from.trim()) ? from.trim() : null);

export function DmarcFromWarning({ from }: { from: string }) {
  const [answer, setAnswer] = useState<DmarcAnswer | null>(null);
  const address = addressOf(from);
  useEffect(() => {
    setAnswer(null);
    if (!address) return;
    let current = true;
    const timer = window.setTimeout(() => {
      api<DmarcAnswer>('GET', `/domains/dmarc${query({ address })}`)
        .then((a) => current && setAnswer(a))
        .catch(() => undefined);
    }, 400);
    return () => {
      current = false;
      window.clearTimeout(timer);
    };
  }, [address]);
  if (!answer?.rewritten) return null;
  return (
    <p className="note note-warn small dmarc-warning" role="status">
      {answer.domain} publishes DMARC p={answer.policy} and Postroom has no DKIM key for it: receivers would refuse mail From this address sent from here, so it goes out from the default From
      address instead, with {address} as Reply-To.
    </p>
  );
}
