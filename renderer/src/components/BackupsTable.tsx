import { useEffect, useState } from 'react';
import type { BackupProgress, BackupProjectView } from '../../../server/api/index.js';
import { formatBytes, formatCount } from '../backup-format.js';
import { useBackups } from '../backups-store.js';
import { formatDate, formatDuration } from '../format.js';
import { asApiError } from '../store.js';
import { useNow } from '../use-now.js';
import { RelativeTime } from './RelativeTime.js';
import { SnapshotsPanel } from './SnapshotsPanel.js';

const COLUMNS = 6;

const STATUS_LABELS: Record<BackupProjectView['status'], string> = {
  never: 'Never',
  ok: 'OK',
  running: 'Running',
  failed: 'Failed',
};
const STATUS_BADGES: Record<BackupProjectView['status'], string> = {
  never: 'badge',
  ok: 'badge badge-ok',
  running: 'badge badge-accent',
  failed: 'badge badge-danger',
};

/**
 * One project per <tbody>: its row, the progress of a running backup under it, and its
 * snapshots when opened (all one card on narrow screens). Times tick locally; the hub pushes
 * everything else.
 */
export function BackupsTable({
  projects,
  labelledBy,
}: {
  projects: BackupProjectView[];
  labelledBy: string;
}) {
  const now = useNow(1000);
  const [open, setOpen] = useState<ReadonlySet<string>>(() => new Set());
  const toggle = (id: string) =>
    setOpen((before) => {
      const next = new Set(before);
      if (!next.delete(id)) next.add(id);
      return next;
    });
  return (
    <table className="table backups-table" aria-labelledby={labelledBy}>
      <thead>
        <tr>
          <th scope="col">Project</th>
          <th scope="col">Status</th>
          <th scope="col">Last backup</th>
          <th scope="col">Next</th>
          <th scope="col">Size</th>
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      {projects.map((project) => (
        <BackupRows
          key={project.projectId}
          project={project}
          now={now}
          expanded={open.has(project.projectId)}
          onToggle={() => toggle(project.projectId)}
        />
      ))}
    </table>
  );
}

function BackupRows({
  project,
  now,
  expanded,
  onToggle,
}: {
  project: BackupProjectView;
  now: number;
  expanded: boolean;
  onToggle: () => void;
}) {
  const startBackup = useBackups((s) => s.startBackup);
  const [starting, setStarting] = useState(false);
  const [startError, setStartError] = useState<string | null>(null);
  const running = project.status === 'running';
  const panelId = `snapshots-${project.projectId}`;
  // A refusal ("already running") is news only until the project's state moves on.
  // biome-ignore lint/correctness/useExhaustiveDependencies: the status is the trigger.
  useEffect(() => setStartError(null), [project.status]);

  const backUpNow = async () => {
    setStarting(true);
    setStartError(null);
    try {
      await startBackup(project.projectId);
    } catch (err) {
      setStartError(asApiError(err).message);
    } finally {
      setStarting(false);
    }
  };

  return (
    <tbody
      className={`backup backup-${project.status}${expanded ? ' backup-expanded' : ''}`}
      data-testid={`backup-${project.projectId}`}
    >
      <tr>
        <th scope="row">
          <span className="backup-title">
            <span className="backup-project">{project.projectName}</span>{' '}
            <span className="backup-host">on {project.hostName}</span>
          </span>
        </th>
        <td data-label="Status">
          <span className="backup-status">
            <span className={STATUS_BADGES[project.status]}>{STATUS_LABELS[project.status]}</span>
            {project.status === 'failed' && project.lastRun?.error && (
              <span className="backup-error">{project.lastRun.error}</span>
            )}
          </span>
        </td>
        <td data-label="Last backup" className="nowrap">
          {project.lastSuccessAt ? (
            <RelativeTime iso={project.lastSuccessAt} now={now} />
          ) : (
            <span className="muted">never</span>
          )}
        </td>
        <td data-label="Next" className="nowrap">
          {project.nextScheduledAt === null ? (
            running ? (
              <span className="muted">—</span>
            ) : (
              <span className="muted" title="Only running projects are backed up on a schedule">
                not scheduled
              </span>
            )
          ) : Date.parse(project.nextScheduledAt) <= now ? (
            // Due: the scheduler starts it within its next check.
            <time dateTime={project.nextScheduledAt} title={formatDate(project.nextScheduledAt)}>
              due now
            </time>
          ) : (
            <RelativeTime iso={project.nextScheduledAt} now={now} />
          )}
        </td>
        <td data-label="Size" className="nowrap">
          {project.sizeBytes === null ? <span className="muted">—</span> : formatBytes(project.sizeBytes)}
        </td>
        <td className="table-actions">
          <span className="backup-actions">
            <button
              type="button"
              className="button button-small"
              aria-label={`Back up ${project.projectName} now`}
              disabled={running || starting}
              onClick={() => void backUpNow()}
            >
              {starting ? 'Starting…' : 'Back up now'}
            </button>
            <button
              type="button"
              className="button button-small backup-toggle"
              aria-label={`Show snapshots of ${project.projectName}`}
              aria-expanded={expanded}
              aria-controls={expanded ? panelId : undefined}
              onClick={onToggle}
            >
              Snapshots
              <span className="chevron" aria-hidden="true" />
            </button>
          </span>
          {startError && (
            <span className="field-error backup-action-error" role="alert">
              {startError}
            </span>
          )}
        </td>
      </tr>
      {running && (
        <tr className="backup-detail">
          <td colSpan={COLUMNS}>
            <ProgressBar projectName={project.projectName} progress={project.lastRun?.progress ?? null} />
          </td>
        </tr>
      )}
      {expanded && (
        <tr className="backup-detail">
          <td colSpan={COLUMNS} id={panelId}>
            <SnapshotsPanel project={project} now={now} />
          </td>
        </tr>
      )}
    </tbody>
  );
}

/** How far a running backup is, as restic reports it; indeterminate until its first report. */
function ProgressBar({ projectName, progress }: { projectName: string; progress: BackupProgress | null }) {
  const percent = progress ? Math.max(0, Math.min(100, progress.percent)) : null;
  const shown = percent === null ? null : Math.floor(percent);
  const parts = progress
    ? [
        `${formatBytes(progress.bytesDone)} of ${formatBytes(progress.totalBytes)}`,
        `${formatCount(progress.filesDone)} of ${formatCount(progress.totalFiles)} files`,
        progress.etaSeconds === null
          ? 'estimating time left'
          : `about ${formatDuration(progress.etaSeconds)} left`,
      ]
    : [];
  return (
    <div className="backup-progress">
      <div
        className={`progress${percent === null ? ' progress-indeterminate' : ''}`}
        role="progressbar"
        aria-label={`Backup of ${projectName}`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={shown ?? undefined}
        aria-valuetext={shown === null ? 'Starting' : `${shown}%, ${parts.join(', ')}`}
      >
        <div className="progress-fill" style={percent === null ? undefined : { width: `${percent}%` }} />
      </div>
      <p className="backup-progress-text">
        {shown === null ? (
          <span>Starting…</span>
        ) : (
          <>
            <strong className="backup-percent">{shown}%</strong>
            {parts.map((part) => (
              <span key={part}>{part}</span>
            ))}
          </>
        )}
      </p>
    </div>
  );
}
