import { projectId } from '../project.js';
import { useWorkspace } from '../store.js';
import { ConnectionStatus } from './ConnectionStatus.js';

/** The project's name and id, the way back to the hub, and the connection state. */
export function TopBar() {
  const name = useWorkspace((s) => s.projectName);
  return (
    <header className="ws-topbar">
      {/* The hub's Projects page, not `/`: in Plus, `/` opens this workspace. */}
      <a className="ws-hub-link" href="/projects">
        <span className="brand-mark" aria-hidden="true" />
        <span>Hub</span>
      </a>
      <span className="ws-topbar-sep" aria-hidden="true">
        /
      </span>
      <div className="ws-project">
        <h1 className="ws-project-name">{name ?? 'Project'}</h1>
        <span className="ws-project-id mono" title="Project id">
          {projectId}
        </span>
      </div>
      <ConnectionStatus />
    </header>
  );
}
