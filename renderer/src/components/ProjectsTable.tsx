import { useState } from 'react';
import type { ProjectView } from '../../../server/api/index.js';
import { asApiError, useHub } from '../store.js';
import { useNow } from '../use-now.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import { RelativeTime } from './RelativeTime.js';

const STATE_LABELS: Record<ProjectView['state'], string> = {
  stopped: 'Stopped',
  starting: 'Starting',
  running: 'Running',
  error: 'Error',
};
const STATE_BADGES: Record<ProjectView['state'], string> = {
  stopped: 'badge',
  starting: 'badge badge-accent',
  running: 'badge badge-ok',
  error: 'badge badge-danger',
};

/**
 * One row per project with Open (while it runs), Start or Stop, and Delete (asking first, with
 * the choice to delete the files too). Times tick locally; the hub pushes everything else.
 */
export function ProjectsTable({ projects, labelledBy }: { projects: ProjectView[]; labelledBy: string }) {
  const deleteProject = useHub((s) => s.deleteProject);
  const now = useNow(1000);
  const [deleting, setDeleting] = useState<ProjectView | null>(null);
  const [deleteFiles, setDeleteFiles] = useState(false);
  return (
    <>
      <table className="table projects-table" aria-labelledby={labelledBy}>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Host</th>
            <th scope="col">State</th>
            <th scope="col">Last active</th>
            <th scope="col">Created</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {projects.map((project) => (
            <ProjectRow
              key={project.id}
              project={project}
              now={now}
              onDelete={() => {
                setDeleteFiles(false);
                setDeleting(project);
              }}
            />
          ))}
        </tbody>
      </table>
      {deleting && (
        <ConfirmDialog
          title={`Delete ${deleting.name}?`}
          confirmLabel="Delete project"
          onConfirm={() => deleteProject(deleting.id, deleteFiles)}
          onClose={() => setDeleting(null)}
        >
          <div className="project-delete">
            <p>The project is removed from this hub{deleting.state === 'running' ? ' and stopped' : ''}.</p>
            <label className="checkbox">
              <input
                type="checkbox"
                checked={deleteFiles}
                onChange={(e) => setDeleteFiles(e.target.checked)}
              />
              <span>Also delete the project’s files on the host</span>
            </label>
            <p className={deleteFiles ? 'project-files-gone' : undefined}>
              {deleteFiles
                ? `Its files on ${deleting.hostName} are deleted for good.`
                : `Otherwise its files are kept on ${deleting.hostName}.`}
            </p>
          </div>
        </ConfirmDialog>
      )}
    </>
  );
}

type Action = 'start' | 'stop';

function ProjectRow({ project, now, onDelete }: { project: ProjectView; now: number; onDelete: () => void }) {
  const startProject = useHub((s) => s.startProject);
  const stopProject = useHub((s) => s.stopProject);
  const [action, setAction] = useState<{ busy: Action | null; error: string | null }>({
    busy: null,
    error: null,
  });
  const run = async (which: Action) => {
    setAction({ busy: which, error: null });
    try {
      await (which === 'start' ? startProject : stopProject)(project.id);
      setAction({ busy: null, error: null });
    } catch (err) {
      setAction({ busy: null, error: asApiError(err).message });
    }
  };
  const active = project.state === 'running' || project.state === 'starting';
  return (
    <tr className={`project-row project-row-${project.state}`} data-testid={`project-${project.id}`}>
      <th scope="row">
        <span className="project-name">{project.name}</span>
      </th>
      <td data-label="Host">
        <span className="project-host">
          <span className="project-host-name">{project.hostName}</span>
          <span className={`host-state host-state-${project.hostOnline ? 'online' : 'offline'}`}>
            <span className="status-dot" aria-hidden="true" />
            {project.hostOnline ? 'online' : 'offline'}
          </span>
        </span>
      </td>
      <td data-label="State">
        <span className="project-state">
          <span className={STATE_BADGES[project.state]}>{STATE_LABELS[project.state]}</span>
          {project.state === 'error' && project.error && (
            <span className="project-error">{project.error}</span>
          )}
        </span>
      </td>
      <td data-label="Last active" className="nowrap">
        {project.lastActiveAt ? (
          <RelativeTime iso={project.lastActiveAt} now={now} />
        ) : (
          <span className="muted">never</span>
        )}
      </td>
      <td data-label="Created" className="nowrap">
        <RelativeTime iso={project.createdAt} now={now} />
      </td>
      <td className="table-actions">
        <span className="project-actions">
          {project.state === 'running' && (
            <a
              className="button button-small button-primary"
              href={project.url}
              aria-label={`Open ${project.name}`}
            >
              Open
            </a>
          )}
          {active ? (
            <button
              type="button"
              className="button button-small"
              aria-label={`Stop ${project.name}`}
              disabled={action.busy !== null}
              onClick={() => void run('stop')}
            >
              {action.busy === 'stop' ? 'Stopping…' : 'Stop'}
            </button>
          ) : (
            <button
              type="button"
              className="button button-small"
              aria-label={`Start ${project.name}`}
              disabled={action.busy !== null}
              onClick={() => void run('start')}
            >
              {action.busy === 'start' ? 'Starting…' : 'Start'}
            </button>
          )}
          <button
            type="button"
            className="button button-small"
            aria-label={`Delete ${project.name}`}
            onClick={onDelete}
          >
            Delete
          </button>
        </span>
        {action.error && (
          <span className="field-error project-action-error" role="alert">
            {action.error}
          </span>
        )}
      </td>
    </tr>
  );
}
