/** The frame around every signed-in page: navigation (a sidebar, a menu on narrow screens) and the user. */
import { useEffect, useState, type ReactNode } from 'react';
import { Link, useLocation } from './router';
import { useSession, useUser } from './session';
import { useLiveConnected } from './live-events';

interface NavItem {
  to: string;
  label: string;
  adminOnly?: boolean;
}
const NAV: NavItem[] = [
  { to: '/', label: 'Dashboard' },
  { to: '/emails', label: 'Emails' },
  { to: '/campaigns', label: 'Campaigns' },
  { to: '/contacts', label: 'Contacts' },
  { to: '/segments', label: 'Segments' },
  { to: '/templates', label: 'Templates' },
  { to: '/domains', label: 'Domains' },
  { to: '/sandbox', label: 'Sandbox inbox' },
  { to: '/suppressions', label: 'Suppressions', adminOnly: true },
  { to: '/servers', label: 'Servers', adminOnly: true },
  { to: '/settings', label: 'Settings', adminOnly: true },
  { to: '/users', label: 'Users & API keys', adminOnly: true },
];
const API_KEYS_ITEM: NavItem = { to: '/users', label: 'API keys & SMTP' };

const isCurrent = (to: string, path: string): boolean => (to === '/' ? path === '/' : path === to || path.startsWith(`${to}/`));

export function Layout({ children }: { children: ReactNode }) {
  const user = useUser();
  const { logOut } = useSession();
  const { path } = useLocation();
  const connected = useLiveConnected();
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => setMenuOpen(false), [path]);
  const items = user.role === 'admin' ? NAV : [...NAV.filter((item) => !item.adminOnly), API_KEYS_ITEM];

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/" className="brand">
          <span className="brand-mark" aria-hidden="true">
            ✉
          </span>
          Postroom
        </Link>
        <button type="button" className="btn-icon menu-button" aria-expanded={menuOpen} aria-controls="nav" onClick={() => setMenuOpen((open) => !open)}>
          <span aria-hidden="true">☰</span>
          <span className="visually-hidden">Menu</span>
        </button>
      </header>
      <nav id="nav" className={`sidebar ${menuOpen ? 'open' : ''}`} aria-label="Main">
        <Link to="/" className="brand sidebar-brand">
          <span className="brand-mark" aria-hidden="true">
            ✉
          </span>
          Postroom
        </Link>
        <ul>
          {items.map((item) => (
            <li key={item.to}>
              <Link to={item.to} aria-current={isCurrent(item.to, path) ? 'page' : undefined}>
                {item.label}
              </Link>
            </li>
          ))}
        </ul>
        <div className="sidebar-foot">
          <p className="live-state">
            <span className={`dot ${connected ? 'dot-on' : 'dot-off'}`} aria-hidden="true" />
            {connected ? 'Live' : 'Reconnecting…'}
          </p>
          <p className="who" title={user.email}>
            {user.email}
            <span className="muted"> · {user.role}</span>
          </p>
          <button type="button" className="btn btn-ghost btn-small" onClick={() => void logOut()}>
            Log out
          </button>
        </div>
      </nav>
      <main id="main" className="content" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
