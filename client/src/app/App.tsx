import { type ReactNode, useEffect } from 'react';
import { hasErrorCode } from '../../../shared/api-errors';
import { type ObjectSlug, objectSlugs } from '../../../shared/catalog';
import { ErrorState, LoadingState } from '../components/ui/States';
import { navigate, useLocation } from '../navigation';
import { ActivitiesPage } from '../pages/ActivitiesPage';
import { ApiKeysPage } from '../pages/ApiKeysPage';
import { ExportsPage } from '../pages/ExportsPage';
import { LoginPage } from '../pages/LoginPage';
import { NotFoundPage } from '../pages/NotFoundPage';
import { RecordPage } from '../pages/RecordPage';
import { RecordsPage } from '../pages/RecordsPage';
import { trpc } from '../trpc';
import { AppShell } from './AppShell';
import { SessionContext, sessionHint } from './session';

const isObjectSlug = (value: string | undefined): value is ObjectSlug =>
  value !== undefined && (objectSlugs as readonly string[]).includes(value);

export function App() {
  const { pathname } = useLocation();
  if (pathname === '/login') return <LoginPage />;
  return (
    <SignedIn>
      <Routes pathname={pathname} />
    </SignedIn>
  );
}

function Routes({ pathname }: { pathname: string }) {
  const [, first, second, ...rest] = pathname.split('/');
  if (!first) return <Redirect to="/people" />;
  if (first === 'exports' && !second) return <ExportsPage />;
  if (first === 'activities' && !second) return <ActivitiesPage />;
  if (first === 'settings' && !second) return <Redirect to="/settings/api-keys" />;
  if (first === 'settings' && second === 'api-keys' && rest.length === 0) return <ApiKeysPage />;
  if (isObjectSlug(first) && !second) return <RecordsPage key={first} object={first} />;
  if (isObjectSlug(first) && second && rest.length === 0)
    return <RecordPage key={`${first}/${second}`} object={first} id={second} />;
  return <NotFoundPage />;
}

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}

function SignedIn({ children }: { children: ReactNode }) {
  const hinted = sessionHint.present();
  const me = trpc.auth.me.useQuery(undefined, { enabled: hinted, staleTime: 5 * 60_000, retry: false });
  const unauthorized = !hinted || hasErrorCode(me.error, 'UNAUTHORIZED');

  useEffect(() => {
    // Already on the way to /login (StrictMode runs this effect twice in development): the second run
    // would take /login itself as the page to come back to.
    if (!unauthorized || window.location.pathname === '/login') return;
    sessionHint.clear();
    const next = window.location.pathname + window.location.search;
    navigate(next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`, { replace: true });
  }, [unauthorized]);

  if (unauthorized) return null;
  if (me.isPending) return <LoadingState label="Opening your workspace…" />;
  if (me.error) return <ErrorState error={me.error} onRetry={() => void me.refetch()} />;
  return (
    <SessionContext.Provider value={me.data}>
      <AppShell>{children}</AppShell>
    </SessionContext.Provider>
  );
}
