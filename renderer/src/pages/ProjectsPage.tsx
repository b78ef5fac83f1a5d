import { useEffect } from 'react';
import type { ProjectView } from '../../../server/api/index.js';
import { CreateProjectPanel } from '../components/CreateProjectPanel.js';
import { PageHeader } from '../components/PageHeader.js';
import { EmptyState, ErrorPanel, Loading } from '../components/Panels.js';
import { ProjectsTable } from '../components/ProjectsTable.js';
import { useHub } from '../store.js';

/** Every project of the hub, where it runs and in which state, and the way to make another. */
export function ProjectsPage() {
  return (
    <>
      <PageHeader title="Projects">
        <p>
          Workspaces with their own files, terminals and editors. Each project runs on one host; open it while
          it runs, stop it to free the host.
        </p>
      </PageHeader>
      <ProjectsContent />
    </>
  );
}

function ProjectsContent() {
  const projects = useHub((s) => s.projects);
  const loadProjects = useHub((s) => s.loadProjects);
  // The host choice in the form needs the hosts; Plus has only this machine (and no hosts API).
  const launchpad = useHub((s) => s.status !== null && s.status.product !== 'plus');
  const loadHosts = useHub((s) => s.loadHosts);
  useEffect(() => {
    void loadProjects();
  }, [loadProjects]);
  useEffect(() => {
    if (launchpad) void loadHosts();
  }, [launchpad, loadHosts]);

  return (
    <>
      <CreateProjectPanel chooseHost={launchpad} />
      {projects.state === 'error' ? (
        <ErrorPanel
          title="Could not load the projects"
          error={projects.error}
          onRetry={() => void loadProjects()}
        />
      ) : projects.state === 'ready' ? (
        <ProjectsCard projects={projects.data} />
      ) : (
        <Loading label="Loading projects…" />
      )}
    </>
  );
}

function ProjectsCard({ projects }: { projects: ProjectView[] }) {
  const running = projects.filter((p) => p.state === 'running').length;
  return (
    <section className="card table-card" aria-labelledby="projects-title">
      <div className="card-title-row">
        <h2 id="projects-title">Projects</h2>
        {projects.length > 0 && (
          <span className="muted">
            {running} of {projects.length} running
          </span>
        )}
      </div>
      {projects.length > 0 ? (
        <ProjectsTable projects={projects} labelledBy="projects-title" />
      ) : (
        <EmptyState title="No projects yet — create one">
          <p>
            Give it a name under <strong>Create a project</strong>. It starts on the host you choose, or on
            the least busy online host, and is listed here with its state.
          </p>
        </EmptyState>
      )}
    </section>
  );
}
