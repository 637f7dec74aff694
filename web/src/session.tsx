/** Who is signed in. The session lives in an HttpOnly cookie; the UI keeps the user and the CSRF token. */
import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import { api, ApiError, onSessionEnded, setCsrfToken } from './api';
import type { SessionInfo, SessionUser } from './types';

interface SessionState {
  user: SessionUser | null;
  loading: boolean;
  logIn(email: string, password: string): Promise<void>;
  logOut(): Promise<void>;
  changePassword(currentPassword: string, newPassword: string): Promise<void>;
}

const SessionContext = createContext<SessionState | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<SessionUser | null>(null);
  const [loading, setLoading] = useState(true);

  const take = (info: SessionInfo) => {
    setCsrfToken(info.csrfToken);
    setUser(info.user);
  };

  useEffect(() => {
    api<SessionInfo>('GET', '/session')
      .then(take)
      .catch((error: unknown) => {
        if (!(error instanceof ApiError && error.status === 401)) console.error(error);
      })
      .finally(() => setLoading(false));
    return onSessionEnded(() => {
      setCsrfToken(null);
      setUser(null);
    });
  }, []);

  const logIn = useCallback(async (email: string, password: string) => take(await api<SessionInfo>('POST', '/session', { email, password })), []);
  const logOut = useCallback(async () => {
    await api('DELETE', '/session').catch(() => undefined);
    setCsrfToken(null);
    setUser(null);
  }, []);
  const changePassword = useCallback(async (currentPassword: string, newPassword: string) => {
    await api('POST', '/session/password', { currentPassword, newPassword });
    take(await api<SessionInfo>('GET', '/session'));
  }, []);

  return <SessionContext.Provider value={{ user, loading, logIn, logOut, changePassword }}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error('useSession outside SessionProvider');
  return state;
}

/** The signed-in user; only for pages shown after login. */
export function useUser(): SessionUser {
  const { user } = useSession();
  if (!user) throw new Error('no user signed in');
  return user;
}
