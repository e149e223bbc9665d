import { User, UserManager, WebStorageStateStore } from 'oidc-client-ts';
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { ConsoleConfig } from '../config';
import { setTokenSource } from '../api/client';
import { personFromToken, type Person } from './roles';

interface Auth {
  config: ConsoleConfig;
  person: Person | null;
  loading: boolean;
  signIn: (returnTo?: string) => Promise<void>;
  signOut: () => Promise<void>;
  /** Finish the redirect back from the provider; answers where to go next. */
  completeSignIn: () => Promise<string>;
}

const AuthContext = createContext<Auth | null>(null);

export function useAuth(): Auth {
  const auth = useContext(AuthContext);
  if (!auth) throw new Error('useAuth outside AuthProvider');
  return auth;
}

// Authorization Code with PKCE (oidc-client-ts makes the verifier and checks state).
function userManager(config: ConsoleConfig): UserManager {
  const origin = window.location.origin;
  return new UserManager({
    authority: config.authority,
    client_id: config.clientId,
    redirect_uri: `${origin}/signed-in`,
    post_logout_redirect_uri: `${origin}/`,
    response_type: 'code',
    scope: config.scope,
    // Tokens live in this tab's session storage only: gone when the tab closes.
    userStore: new WebStorageStateStore({ store: window.sessionStorage }),
    automaticSilentRenew: false,
    loadUserInfo: false,
  });
}

export function AuthProvider({ config, children }: { config: ConsoleConfig; children: ReactNode }) {
  const manager = useMemo(() => userManager(config), [config]);
  const [user, setUserState] = useState<User | null>(null);
  const [loading, setLoading] = useState(true);
  // The API clients' token follows the user at once, not in an effect: the pages' first
  // requests (their effects run before this provider's) must already carry it, as after a reload.
  const setUser = useCallback((next: User | null) => {
    setTokenSource(() => (next && !next.expired ? next.access_token : null));
    setUserState(next);
  }, []);

  useEffect(() => {
    let live = true;
    manager.getUser().then((found) => {
      if (!live) return;
      setUser(found && !found.expired ? found : null);
      setLoading(false);
    });
    const loaded = (next: User) => setUser(next);
    const gone = () => setUser(null);
    manager.events.addUserLoaded(loaded);
    manager.events.addUserUnloaded(gone);
    manager.events.addAccessTokenExpired(gone);
    return () => {
      live = false;
      manager.events.removeUserLoaded(loaded);
      manager.events.removeUserUnloaded(gone);
      manager.events.removeAccessTokenExpired(gone);
    };
  }, [manager, setUser]);

  const person = useMemo(
    () => (user ? personFromToken(config, user.access_token, user.profile as Record<string, unknown>) : null),
    [config, user],
  );

  const signIn = useCallback(
    (returnTo?: string) => manager.signinRedirect({ state: { returnTo: returnTo ?? window.location.pathname } }),
    [manager],
  );
  const signOut = useCallback(async () => {
    const current = await manager.getUser();
    await manager.removeUser();
    setUser(null);
    await manager.signoutRedirect({ id_token_hint: current?.id_token });
  }, [manager, setUser]);
  const completeSignIn = useCallback(async () => {
    const signedIn = await manager.signinRedirectCallback();
    setUser(signedIn);
    const state = signedIn.state as { returnTo?: string } | undefined;
    const target = state?.returnTo;
    return target && target.startsWith('/') && !target.startsWith('//') ? target : '/';
  }, [manager, setUser]);

  const value = useMemo(
    () => ({ config, person, loading, signIn, signOut, completeSignIn }),
    [config, person, loading, signIn, signOut, completeSignIn],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}
