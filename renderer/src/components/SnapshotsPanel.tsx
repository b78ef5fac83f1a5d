import { useCallback, useEffect, useId, useState } from 'react';
import type { BackupProjectView, RestoreResponse, SnapshotView } from '../../../server/api/index.js';
import { formatBytes, formatFiles, restoreFolderFor, restorePath } from '../backup-format.js';
import { useBackups } from '../backups-store.js';
import { formatDate, formatRelative } from '../format.js';
import { asApiError, type Loadable } from '../store.js';
import { ConfirmDialog } from './ConfirmDialog.js';

/**
 * A project's snapshots, newest first, each restorable into a new folder inside the project.
 * Listed again whenever the project gets a new one (a backup finished while it is open).
 */
export function SnapshotsPanel({ project, now }: { project: BackupProjectView; now: number }) {
  const listSnapshots = useBackups((s) => s.listSnapshots);
  const titleId = useId();
  const [snapshots, setSnapshots] = useState<Loadable<SnapshotView[]>>({ state: 'idle' });
  const [restoring, setRestoring] = useState<SnapshotView | null>(null);
  const [restored, setRestored] = useState<RestoreResponse | null>(null);
  const { projectId } = project;
  // What changes when a backup makes a snapshot: the list is fetched again then.
  const latest = `${project.lastSuccessAt ?? ''}/${project.lastRun?.snapshotId ?? ''}`;

  const load = useCallback(
    async (isCurrent: () => boolean = () => true) => {
      setSnapshots((before) => (before.state === 'ready' ? before : { state: 'loading' }));
      try {
        const list = await listSnapshots(projectId);
        if (isCurrent()) setSnapshots({ state: 'ready', data: list });
      } catch (err) {
        if (isCurrent()) setSnapshots({ state: 'error', error: asApiError(err) });
      }
    },
    [listSnapshots, projectId],
  );

  // biome-ignore lint/correctness/useExhaustiveDependencies: `latest` is the trigger to list again.
  useEffect(() => {
    let current = true;
    void load(() => current);
    return () => {
      current = false;
    };
  }, [load, latest]);

  const count = snapshots.state === 'ready' ? snapshots.data.length : null;
  return (
    <section className="snapshots" aria-labelledby={titleId}>
      <div className="snapshots-title-row">
        <h3 id={titleId}>Snapshots of {project.projectName}</h3>
        {count !== null && count > 0 && (
          <span className="muted">
            {count} {count === 1 ? 'snapshot' : 'snapshots'}
          </span>
        )}
      </div>
      {restored && (
        <p className="snapshots-restored" role="status">
          Restored to <code>{restored.restoredTo}</code> ({formatFiles(restored.files)},{' '}
          {formatBytes(restored.bytes)})
        </p>
      )}
      {snapshots.state === 'error' ? (
        <div className="snapshots-error" role="alert">
          <p>
            Could not list the snapshots:{' '}
            {snapshots.error.unreachable ? 'the hub does not answer.' : snapshots.error.message}
          </p>
          <button type="button" className="button button-small" onClick={() => void load()}>
            Retry
          </button>
        </div>
      ) : snapshots.state === 'ready' ? (
        snapshots.data.length === 0 ? (
          <p className="snapshots-empty">
            {project.status === 'running'
              ? 'No snapshots yet — the first one is being made'
              : 'No snapshots yet — back up now'}
          </p>
        ) : (
          <ul className="snapshot-list" aria-labelledby={titleId}>
            {snapshots.data.map((snapshot) => (
              <li key={snapshot.id} className="snapshot">
                <span className="snapshot-time">
                  <time dateTime={snapshot.time}>{formatDate(snapshot.time)}</time>
                  <span className="muted">{formatRelative(snapshot.time, now)}</span>
                </span>
                <code className="snapshot-id" title={snapshot.id}>
                  {snapshot.shortId}
                </code>
                <span className="snapshot-size">
                  {snapshot.sizeBytes === null ? <Unknown what="size" /> : formatBytes(snapshot.sizeBytes)}
                </span>
                <span className="snapshot-files">
                  {snapshot.files === null ? <Unknown what="files" /> : formatFiles(snapshot.files)}
                </span>
                <button
                  type="button"
                  className="button button-small"
                  aria-label={`Restore snapshot ${snapshot.shortId}`}
                  onClick={() => setRestoring(snapshot)}
                >
                  Restore…
                </button>
              </li>
            ))}
          </ul>
        )
      ) : (
        <p className="snapshots-loading" role="status">
          <span className="spinner" aria-hidden="true" />
          Loading snapshots…
        </p>
      )}
      {restoring && (
        <RestoreDialog
          project={project}
          snapshot={restoring}
          onRestored={setRestored}
          onClose={() => setRestoring(null)}
        />
      )}
    </section>
  );
}

/** A dash for a number the hub did not record (a snapshot it did not make itself). */
function Unknown({ what }: { what: string }) {
  return (
    <span className="muted" title={`${what} not recorded`}>
      —<span className="visually-hidden">{what} not recorded</span>
    </span>
  );
}

function RestoreDialog({
  project,
  snapshot,
  onRestored,
  onClose,
}: {
  project: BackupProjectView;
  snapshot: SnapshotView;
  onRestored: (res: RestoreResponse) => void;
  onClose: () => void;
}) {
  const restore = useBackups((s) => s.restore);
  const pathId = useId();
  const [path, setPath] = useState('');
  const [pathError, setPathError] = useState<string | null>(null);

  const confirm = async () => {
    let only: string | null;
    try {
      only = restorePath(path);
      setPathError(null);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      setPathError(message);
      throw err;
    }
    const res = await restore(project.projectId, {
      snapshotId: snapshot.id,
      ...(only === null ? {} : { path: only }),
    });
    onRestored(res);
  };

  return (
    <ConfirmDialog
      title={`Restore snapshot ${snapshot.shortId}?`}
      confirmLabel="Restore"
      tone="primary"
      onConfirm={confirm}
      onClose={onClose}
    >
      <div className="restore-dialog">
        <p>
          Files from {formatDate(snapshot.time)} are restored into a new folder{' '}
          <code>{restoreFolderFor(snapshot.time)}</code> inside <strong>{project.projectName}</strong> (with
          -2, -3… added when that name is taken){'; nothing is overwritten.'}
        </p>
        <div className={`field${pathError ? ' field-invalid' : ''}`}>
          <label className="field-label" htmlFor={pathId}>
            Only this path <span className="muted">(optional)</span>
          </label>
          <input
            id={pathId}
            className="mono"
            value={path}
            onChange={(e) => setPath(e.target.value)}
            placeholder="notes/a.md"
            autoComplete="off"
            spellCheck={false}
            aria-invalid={pathError ? true : undefined}
            aria-describedby={`${pathId}-hint`}
          />
          <p id={`${pathId}-hint`} className="field-hint">
            A file or folder relative to the project. Leave empty to restore the whole snapshot.
          </p>
        </div>
      </div>
    </ConfirmDialog>
  );
}
