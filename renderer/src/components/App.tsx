import { useEffect } from 'react';
import { useLiveStatus } from '../live-status.js';
import { BackupsPage } from '../pages/BackupsPage.js';
import { HealthPage } from '../pages/HealthPage.js';
import { HostsPage } from '../pages/HostsPage.js';
import { NotFoundPage } from '../pages/NotFoundPage.js';
import { OverviewPage } from '../pages/OverviewPage.js';
import { ProjectsPage } from '../pages/ProjectsPage.js';
import { SettingsPage } from '../pages/SettingsPage.js';
import { SetupWizardPage } from '../pages/SetupWizardPage.js';
import { SignInPage } from '../pages/SignInPage.js';
import { navigate, ROUTES, usePath } from '../router.js';
import { useHub } from '../store.js';
import { ErrorPanel, Loading } from './Panels.js';
import { Shell } from './Shell.js';

/** Decides between loading, hub unreachable, sign-in and the signed-in app. */
export function App() {
  const phase = useHub((s) => s.phase);
  const loadError = useHub((s) => s.loadError);
  const load = useHub((s) => s.load);
  useEffect(() => {
    void load();
  }, [load]);
  useLiveStatus(phase === 'ready');

  switch (phase) {
    case 'loading':
      return (
        <div className="center-page">
          <Loading label="Connecting to the hub…" />
        </div>
      );
    case 'unreachable':
      return (
        <div className="center-page">
          {loadError && (
            <ErrorPanel title="The hub answered with an error" error={loadError} onRetry={load} />
          )}
        </div>
      );
    case 'signed-out':
      return <SignInPage />;
    case 'ready':
      return (
        <Shell>
          <Routes />
        </Shell>
      );
  }
}

function Routes() {
  const path = usePath();
  const setupRequired = useHub((s) => s.status?.detail?.setupRequired ?? false);
  const setupDismissed = useHub((s) => s.setupDismissed);
  const sendToSetup = setupRequired && !setupDismissed && path !== ROUTES.setup;
  // A fresh data dir starts with the wizard, wherever the first link pointed.
  useEffect(() => {
    if (sendToSetup) navigate(ROUTES.setup, { replace: true });
  }, [sendToSetup]);
  if (sendToSetup) return null;

  switch (path) {
    case ROUTES.overview:
      return <OverviewPage />;
    case ROUTES.projects:
      return <ProjectsPage />;
    case ROUTES.backups:
      return <BackupsPage />;
    case ROUTES.hosts:
      return <HostsPage />;
    case ROUTES.health:
      return <HealthPage />;
    case ROUTES.settings:
      return <SettingsPage />;
    case ROUTES.setup:
      return <SetupWizardPage />;
    default:
      return <NotFoundPage />;
  }
}
