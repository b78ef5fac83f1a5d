import type { ReactNode } from 'react';
import { Link, ROUTES } from '../router.js';
import { useHub } from '../store.js';
import { AccountActions } from './AccountActions.js';
import { ConnectionIndicator } from './ConnectionIndicator.js';
import { RestartBanner } from './RestartBanner.js';

// Only pages that work are linked, and only where they work (Plus has no hosts).
const NAV = [
  { to: ROUTES.projects, label: 'Projects', launchpadOnly: false },
  { to: ROUTES.backups, label: 'Backups', launchpadOnly: false },
  { to: ROUTES.overview, label: 'Overview', launchpadOnly: false },
  { to: ROUTES.hosts, label: 'Hosts', launchpadOnly: true },
  { to: ROUTES.health, label: 'Health', launchpadOnly: false },
  { to: ROUTES.settings, label: 'Settings', launchpadOnly: false },
] as const;

/** Sidebar (a top bar on narrow screens) with navigation, the live indicator and account actions. */
export function Shell({ children }: { children: ReactNode }) {
  const plus = useHub((s) => s.status?.product === 'plus');
  const nav = NAV.filter((item) => !(plus && item.launchpadOnly));
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <aside className="sidebar">
        <div className="sidebar-inner">
          <div className="brand">
            <span className="brand-mark" aria-hidden="true" />
            <span className="brand-name">Launchpad</span>
            <ConnectionIndicator />
          </div>
          <nav className="nav" aria-label="Main">
            {nav.map((item) => (
              <Link key={item.to} to={item.to} className="nav-link">
                {item.label}
              </Link>
            ))}
          </nav>
          <AccountActions />
        </div>
      </aside>
      <main id="main" className="main">
        <RestartBanner />
        {children}
      </main>
    </div>
  );
}
