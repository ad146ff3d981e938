import { useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useEffect, useId, useState } from 'react';
import { ExportTrackerProvider } from '../components/export-tracker/ExportTracker';
import { Link, navigate, useLocation } from '../navigation';
import { trpc } from '../trpc';
import { hasRole, sessionHint, useSession } from './session';

const icons: Record<string, ReactNode> = {
  people: <path d="M8 8a3 3 0 100-6 3 3 0 000 6zm-5 6c0-2.8 2.2-4.5 5-4.5s5 1.7 5 4.5" />,
  companies: <path d="M2.5 14V3.5l6-1.5v12M8.5 6h5v8M5 6h1M5 9h1M11 9h.5M11 11.5h.5M1.5 14h13" />,
  conversations: <path d="M2 3.5h12v7H7l-3 2.5v-2.5H2z" />,
  activities: <path d="M1.5 8h3l2-5 3 10 2-5h3" />,
  exports: <path d="M8 2v8m0 0l-3-3m3 3l3-3M2.5 11v2.5h11V11" />,
  keys: (
    <path d="M10 2.5a3.5 3.5 0 11-2.9 5.5L2.5 12.6V14H4l.5-.5V12H6v-1.5h1.5l.6-.6A3.5 3.5 0 0110 2.5zM11 5h.01" />
  ),
};

const navigation = [
  { href: '/people', label: 'People', icon: 'people' },
  { href: '/companies', label: 'Companies', icon: 'companies' },
  { href: '/conversations', label: 'Conversations', icon: 'conversations' },
  { href: '/activities', label: 'Activities', icon: 'activities' },
  { href: '/exports', label: 'Exports', icon: 'exports' },
] as const;

const settingsNavigation = [{ href: '/settings/api-keys', label: 'API keys', icon: 'keys' }] as const;

function NavItem({
  href,
  label,
  icon,
  current,
}: {
  href: string;
  label: string;
  icon: string;
  current: boolean;
}) {
  return (
    <li>
      <Link
        href={href}
        className={`nav-link${current ? ' is-current' : ''}`}
        aria-current={current ? 'page' : undefined}
      >
        <svg
          width="16"
          height="16"
          viewBox="0 0 16 16"
          fill="none"
          stroke="currentColor"
          strokeWidth="1.4"
          strokeLinecap="round"
          strokeLinejoin="round"
          aria-hidden="true"
        >
          {icons[icon]}
        </svg>
        {label}
      </Link>
    </li>
  );
}

export function AppShell({ children }: { children: ReactNode }) {
  const me = useSession();
  const { pathname } = useLocation();
  const queryClient = useQueryClient();
  // On a phone the navigation folds into a Menu button; it closes again once a page is chosen.
  const [navOpen, setNavOpen] = useState(false);
  const navId = useId();
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new page closes the menu
  useEffect(() => setNavOpen(false), [pathname]);
  const isCurrent = (href: string) => pathname === href || pathname.startsWith(`${href}/`);
  const logout = trpc.auth.logout.useMutation({
    onSettled: () => {
      sessionHint.clear();
      queryClient.clear();
      navigate('/login', { replace: true });
    },
  });
  const initials = me.user.name
    .split(/\s+/)
    .map((part) => part[0] ?? '')
    .join('')
    .slice(0, 2)
    .toUpperCase();

  return (
    <ExportTrackerProvider>
      <div className="shell">
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <aside className={`sidebar${navOpen ? ' is-open' : ''}`}>
          <div className="sidebar-top">
            <div className="workspace">
              <span className="workspace-mark" aria-hidden="true">
                {me.workspace.name.charAt(0)}
              </span>
              <div>
                <div className="workspace-name">{me.workspace.name}</div>
                <div className="workspace-slug subtle">{me.workspace.slug}.crm</div>
              </div>
            </div>
            <button
              type="button"
              className="btn btn-secondary btn-sm nav-toggle"
              aria-expanded={navOpen}
              aria-controls={navId}
              onClick={() => setNavOpen((open) => !open)}
            >
              <svg width="16" height="16" viewBox="0 0 16 16" fill="none" aria-hidden="true">
                <path
                  d={navOpen ? 'M4 4l8 8M12 4l-8 8' : 'M2.5 4h11M2.5 8h11M2.5 12h11'}
                  stroke="currentColor"
                  strokeWidth="1.5"
                  strokeLinecap="round"
                />
              </svg>
              Menu
            </button>
          </div>
          <div className="sidebar-body" id={navId}>
            <nav aria-label="Main">
              <ul className="nav-list">
                {navigation.map((item) => (
                  <NavItem key={item.href} {...item} current={isCurrent(item.href)} />
                ))}
              </ul>
              {hasRole(me, 'admin') ? (
                <>
                  <h2 className="nav-heading">Settings</h2>
                  <ul className="nav-list">
                    {settingsNavigation.map((item) => (
                      <NavItem key={item.href} {...item} current={isCurrent(item.href)} />
                    ))}
                  </ul>
                </>
              ) : null}
            </nav>
            <div className="sidebar-footer">
              <div className="user-card">
                <span className="avatar" aria-hidden="true">
                  {initials}
                </span>
                <div className="user-meta">
                  <div className="user-name" data-testid="user-name">
                    {me.user.name}
                  </div>
                  <div className="subtle user-role">
                    {me.user.role} · {me.workspace.name}
                  </div>
                </div>
              </div>
              <button
                type="button"
                className="btn btn-ghost btn-sm sign-out"
                onClick={() => logout.mutate()}
                disabled={logout.isPending}
              >
                Sign out
              </button>
            </div>
          </div>
        </aside>
        <main id="main" className="main" tabIndex={-1}>
          {children}
        </main>
      </div>
    </ExportTrackerProvider>
  );
}
