/**
 * One server-sent event stream (`/api/v1/events/stream`) per tab, shared by every page: a page
 * subscribes with `useLiveEvents` and is told of each event as it happens. EventSource
 * reconnects by itself and resumes with Last-Event-ID.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { EventView } from './types';

type Listener = (event: EventView) => void;
interface LiveEvents {
  subscribe(listener: Listener): () => void;
  connected: boolean;
}

const LiveEventsContext = createContext<LiveEvents>({ subscribe: () => () => undefined, connected: false });

/**
 * Every type the stream sends (src/http/routes/list-events.ts EVENT_TYPES): a named server-sent
 * event reaches only a listener for its name, so a type missing here is silently dropped.
 */
const EVENT_TYPES = ['queued', 'sent', 'deferred', 'failed', 'cancelled', 'retried', 'held', 'expired', 'bounced', 'complained', 'suppressed', 'opened', 'clicked', 'unsubscribed', 'campaign_finished', 'campaign_paused', 'server_unhealthy', 'server_healthy'];

export function LiveEventsProvider({ children }: { children: ReactNode }) {
  const listeners = useRef(new Set<Listener>());
  const [connected, setConnected] = useState(false);
  useEffect(() => {
    const source = new EventSource('/api/v1/events/stream');
    const deliver = (message: MessageEvent<string>) => {
      const event = JSON.parse(message.data) as EventView;
      for (const listener of listeners.current) listener(event);
    };
    source.onopen = () => setConnected(true);
    source.onerror = () => setConnected(false);
    for (const type of EVENT_TYPES) source.addEventListener(type, deliver);
    source.onmessage = deliver;
    return () => source.close();
  }, []);
  const subscribe = useCallback((listener: Listener) => {
    listeners.current.add(listener);
    return () => void listeners.current.delete(listener);
  }, []);
  const value = useMemo<LiveEvents>(() => ({ connected, subscribe }), [connected, subscribe]);
  return <LiveEventsContext.Provider value={value}>{children}</LiveEventsContext.Provider>;
}

/** Calls `onEvent` for every live event while the component is shown. */
export function useLiveEvents(onEvent: Listener): void {
  const { subscribe } = useContext(LiveEventsContext);
  const latest = useRef(onEvent);
  latest.current = onEvent;
  useEffect(() => subscribe((event) => latest.current(event)), [subscribe]);
}

export const useLiveConnected = (): boolean => useContext(LiveEventsContext).connected;

/**
 * Calls `refresh` at most once per `waitMs` while events keep coming: a page that lists messages
 * reloads its rows when their states change, without a request per event.
 */
export function useRefreshOnEvents(refresh: () => void, filter: (event: EventView) => boolean = () => true, waitMs = 300): void {
  const timer = useRef<number | null>(null);
  const latest = useRef(refresh);
  latest.current = refresh;
  useEffect(() => () => {
    if (timer.current !== null) window.clearTimeout(timer.current);
  }, []);
  useLiveEvents((event) => {
    if (!filter(event) || timer.current !== null) return;
    timer.current = window.setTimeout(() => {
      timer.current = null;
      latest.current();
    }, waitMs);
  });
}
