/**
 * Toasts in the corner, and — when the user allowed them — desktop notifications for the things
 * worth interrupting for (a server starts failing, a batch finishes).
 */
import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from 'react';

export type ToastKind = 'info' | 'success' | 'error';
export interface Toast {
  id: number;
  kind: ToastKind;
  title: string;
  body?: string | undefined;
}
interface ToastApi {
  /** Shows a toast; with `desktop`, also a desktop notification when the user allowed them. */
  toast(toast: Omit<Toast, 'id'> & { desktop?: boolean }): void;
}

const ToastContext = createContext<ToastApi>({ toast: () => undefined });
const SHOWN_MS = 6000;

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const nextId = useRef(1);
  const dismiss = (id: number) => setToasts((all) => all.filter((t) => t.id !== id));
  const toast = useCallback<ToastApi['toast']>(({ desktop, ...t }) => {
    const id = nextId.current++;
    setToasts((all) => [...all.slice(-4), { ...t, id }]);
    window.setTimeout(() => dismiss(id), t.kind === 'error' ? SHOWN_MS * 2 : SHOWN_MS);
    if (desktop && 'Notification' in window && Notification.permission === 'granted' && document.visibilityState !== 'visible') {
      new Notification(`Postroom: ${t.title}`, { body: t.body ?? '', tag: t.title });
    }
  }, []);
  const value = useMemo(() => ({ toast }), [toast]);
  return (
    <ToastContext.Provider value={value}>
      {children}
      <div className="toast-stack" role="status" aria-live="polite">
        {toasts.map((t) => (
          <div key={t.id} className={`toast toast-${t.kind}`}>
            <div className="toast-text">
              <strong>{t.title}</strong>
              {t.body ? <span>{t.body}</span> : null}
            </div>
            <button type="button" className="btn-icon" aria-label="Dismiss" onClick={() => dismiss(t.id)}>
              ×
            </button>
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}

export const useToast = (): ToastApi['toast'] => useContext(ToastContext).toast;

export const desktopNotificationsSupported = (): boolean => 'Notification' in window;
