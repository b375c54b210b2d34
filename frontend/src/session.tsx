/** The signed-in account, the service's runtime modes, and the API client, for every screen. */

import { createContext, useCallback, useContext, useEffect, useMemo, useState } from "react";
import type { ReactNode } from "react";
import { RingLedgerApi, type Meta, type UserOut } from "./api/client";
import { HttpClient, sessionTokenStore } from "./api/http";
import { forgetSession, forgetStoredPayouts } from "./lib/preparedStore";

export interface Session {
  api: RingLedgerApi;
  meta: Meta | null;
  user: UserOut | null;
  /** True until the stored token (if any) has been checked. */
  loading: boolean;
  /** Why the last session ended, shown on the sign-in screen. */
  notice: string | null;
  signIn(email: string, password: string): Promise<UserOut>;
  signOut(notice?: string | null): void;
  /**
   * Change the password, then sign out here: the service has revoked every token of the account,
   * this tab's too. Rejects with the service's refusal (and stays signed in) otherwise.
   */
  changePassword(currentPassword: string, newPassword: string): Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside <SessionProvider>");
  return session;
}

/** The session when there is one; for small parts that also render on their own. */
export function useOptionalSession(): Session | null {
  return useContext(SessionContext);
}

export function createApi(onUnauthorized: () => void): RingLedgerApi {
  return new RingLedgerApi(new HttpClient({ tokens: sessionTokenStore(), onUnauthorized }));
}

const SESSION_ENDED = "Your session has ended. Please sign in again.";
export const PASSWORD_CHANGED =
  "Your password was changed and every session of your account was signed out, this one too. " +
  "Sign in with the new password.";

interface ProviderProps {
  children: ReactNode;
  /** Tests pass their own client, or a factory that is handed the 401 handler. */
  api?: RingLedgerApi | ((onUnauthorized: () => void) => RingLedgerApi);
}

export function SessionProvider({ children, api: given }: ProviderProps) {
  const [user, setUser] = useState<UserOut | null>(null);
  const [meta, setMeta] = useState<Meta | null>(null);
  const [loading, setLoading] = useState(true);
  const [notice, setNotice] = useState<string | null>(null);
  const [api] = useState<RingLedgerApi>(() => {
    // The service said the token is missing, invalid or expired: end the session here too.
    const onUnauthorized = () => {
      forgetSession();
      setUser(null);
      setNotice(SESSION_ENDED);
    };
    if (given instanceof RingLedgerApi) return given;
    return (given ?? createApi)(onUnauthorized);
  });

  useEffect(() => {
    forgetStoredPayouts();
    api.meta().then(setMeta, () => setMeta(null));
    if (!api.http.tokens.get()) {
      setLoading(false);
      return;
    }
    api
      .me()
      .then(setUser, () => api.logout())
      .finally(() => setLoading(false));
  }, [api]);

  const signIn = useCallback(
    async (email: string, password: string) => {
      await api.login(email, password);
      const me = await api.me();
      setNotice(null);
      setUser(me);
      return me;
    },
    [api],
  );

  const signOut = useCallback(
    (message: string | null = null) => {
      api.logout();
      // The token, the prepared transactions and anything else of ours in this tab.
      forgetSession();
      setUser(null);
      setNotice(message);
    },
    [api],
  );

  const changePassword = useCallback(
    async (currentPassword: string, newPassword: string) => {
      await api.changePassword({ current_password: currentPassword, new_password: newPassword });
      signOut(PASSWORD_CHANGED);
    },
    [api, signOut],
  );

  const value = useMemo<Session>(
    () => ({ api, meta, user, loading, notice, signIn, signOut, changePassword }),
    [api, meta, user, loading, notice, signIn, signOut, changePassword],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}
