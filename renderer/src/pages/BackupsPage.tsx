import { useEffect } from 'react';
import type { BackupProjectView } from '../../../server/api/index.js';
import { useBackups } from '../backups-store.js';
import { BackupsTable } from '../components/BackupsTable.js';
import { PageHeader } from '../components/PageHeader.js';
import { EmptyState, ErrorPanel, Loading } from '../components/Panels.js';
import { Link, ROUTES } from '../router.js';
import { useHub } from '../store.js';

/** While a backup runs and the live stream is away, the list is fetched this often instead. */
const POLL_MS = 2000;

/** Every project's backups: when the last one succeeded, the next one, a run's progress, and restores. */
export function BackupsPage() {
  return (
    <>
      <PageHeader title="Backups">
        <p>
          Each project’s host backs up its files on a schedule into the hub’s repository. Back up now at any
          time; a restore puts a snapshot’s files into a new folder inside the project and never overwrites
          anything.
        </p>
      </PageHeader>
      <BackupsContent />
    </>
  );
}

function BackupsContent() {
  const backups = useBackups((s) => s.backups);
  const loadBackups = useBackups((s) => s.loadBackups);
  const live = useHub((s) => s.connection === 'live');
  const running = backups.state === 'ready' && backups.data.some((p) => p.status === 'running');
  useEffect(() => {
    void loadBackups();
  }, [loadBackups]);
  // Progress comes with the stream; without it, follow a running backup by asking.
  useEffect(() => {
    if (!running || live) return;
    const timer = window.setInterval(() => void loadBackups(), POLL_MS);
    return () => window.clearInterval(timer);
  }, [running, live, loadBackups]);

  if (backups.state === 'error') {
    return (
      <ErrorPanel
        title="Could not load the backups"
        error={backups.error}
        onRetry={() => void loadBackups()}
      />
    );
  }
  if (backups.state !== 'ready') return <Loading label="Loading backups…" />;
  return <BackupsCard projects={backups.data} />;
}

function summary(projects: BackupProjectView[]): string {
  const count = (status: BackupProjectView['status']) => projects.filter((p) => p.status === status).length;
  const parts = [
    count('running') > 0 && `${count('running')} running`,
    count('failed') > 0 && `${count('failed')} failed`,
    `${projects.filter((p) => p.lastSuccessAt !== null).length} of ${projects.length} backed up`,
  ];
  return parts.filter(Boolean).join(' · ');
}

function BackupsCard({ projects }: { projects: BackupProjectView[] }) {
  if (projects.length === 0) {
    return (
      <EmptyState title="No projects to back up — create a project first">
        <p>
          Projects are made on the <Link to={ROUTES.projects}>Projects page</Link>. Each one is listed here
          with its backups once it exists.
        </p>
      </EmptyState>
    );
  }
  return (
    <section className="card table-card" aria-labelledby="backups-title">
      <div className="card-title-row">
        <h2 id="backups-title">Projects</h2>
        <span className="muted">{summary(projects)}</span>
      </div>
      <BackupsTable projects={projects} labelledBy="backups-title" />
    </section>
  );
}
