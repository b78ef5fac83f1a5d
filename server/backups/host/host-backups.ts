import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { HostBackupControl } from '../../agent/index.js';
import type { BackupProgress } from '../../api/index.js';
import type { Logger } from '../../log/index.js';
import type { BackupEvent, HostRestoreRequest } from '../../projects/index.js';
import {
  ensureRepo,
  ResticError,
  type ResticRepo,
  resticBackup,
  resticRestore,
  resticSnapshots,
} from '../restic/index.js';
import { checkRestorePath, makeRestoreFolder } from './restore-folder.js';

export interface HostBackupsOptions {
  /** `<data dir>/projects`: project `<id>` is `<projectsDir>/<id>/`. */
  projectsDir: string;
  /**
   * The hub's repository as this host reaches it. Called before each operation, so it can
   * (re)write what restic needs on disk (password file, known_hosts) and fail with a ResticError.
   */
  repo(): Promise<ResticRepo>;
  logger: Logger;
}

/** restic's `--host` of a project's snapshots; with `--tag <id>` it is how the hub finds them. */
export const snapshotHostOf = (projectId: string) => `project-${projectId}`;

/** With no news from restic for this long, the last progress goes out again (the hub has an idle timeout). */
const HEARTBEAT_MS = 30_000;

/**
 * Backups and restores of this host's projects into the hub's repository, one operation per
 * project at a time. Every operation reports through `onEvent` and ends with exactly one `done`
 * or `error` event; it never rejects.
 */
export class HostBackups implements HostBackupControl {
  readonly #o: HostBackupsOptions;
  readonly #running = new Map<string, { kind: 'backup' | 'restore'; since: string }>();
  /** Resolved once the repository is known to exist (made by the first backup when it did not). */
  #ready: Promise<ResticRepo> | null = null;

  constructor(o: HostBackupsOptions) {
    this.#o = o;
  }

  projectDir(id: string): string {
    return join(this.#o.projectsDir, id);
  }

  busy(projectId: string): { kind: 'backup' | 'restore'; since: string } | null {
    return this.#running.get(projectId) ?? null;
  }

  checkPath(path: string): string {
    return checkRestorePath(path);
  }

  backup(
    projectId: string,
    projectDir: string,
    onEvent: (e: BackupEvent) => void,
    signal?: AbortSignal,
  ): Promise<void> {
    return this.#exclusive(projectId, 'backup', onEvent, signal, async (emit) => {
      const repo = await this.#readyRepo();
      const made = await resticBackup(repo, projectDir, {
        host: snapshotHostOf(projectId),
        tags: [projectId],
        onProgress: emit.progress,
        ...(signal ? { signal } : {}),
      });
      this.#o.logger.info(
        { project: projectId, snapshot: made.snapshotId, summary: made.summary },
        'backups: project backed up',
      );
      return { type: 'done', snapshotId: made.snapshotId, summary: made.summary };
    });
  }

  restore(
    projectId: string,
    projectDir: string,
    req: HostRestoreRequest,
    onEvent: (e: BackupEvent) => void,
    signal?: AbortSignal,
  ): Promise<void> {
    return this.#exclusive(projectId, 'restore', onEvent, signal, async (emit) => {
      const subPath = req.path === undefined ? undefined : checkRestorePath(req.path);
      // No init for a restore: a repository that is not there has nothing to restore.
      const repo = await this.#o.repo();
      // Only this project's snapshots: a snapshot id of another project restores nothing here.
      const [snapshot] = await resticSnapshots(repo, { host: snapshotHostOf(projectId) }, [req.snapshotId]);
      // restic 0.14 ignores --host for snapshots named by id: check both marks here.
      if (snapshot?.hostname !== snapshotHostOf(projectId) || !snapshot.tags.includes(projectId))
        throw new ResticError(
          'not_found',
          `snapshot ${req.snapshotId} is not a backup of project ${projectId} in the backup repository ${repo.repository}`,
        );
      const folder = await makeRestoreFolder(projectDir, snapshot.time);
      const target = join(projectDir, folder);
      try {
        const got = await resticRestore(repo, snapshot.id, {
          target,
          ...(subPath !== undefined ? { subPath } : {}),
          onProgress: emit.progress,
          ...(signal ? { signal } : {}),
        });
        this.#o.logger.info(
          { project: projectId, snapshot: snapshot.id, path: subPath ?? null, folder, ...got },
          'backups: snapshot restored',
        );
        return { type: 'done', restoredTo: `${folder}/`, files: got.files, bytes: got.bytes };
      } catch (err) {
        // The folder is ours, made for this restore: a half-restored copy would look like a good one.
        await rm(target, { recursive: true, force: true });
        throw err;
      }
    });
  }

  /** The repository, made on first use; a failure is not remembered (the next backup tries again). */
  #readyRepo(): Promise<ResticRepo> {
    this.#ready ??= this.#o.repo().then(async (repo) => {
      await ensureRepo(repo);
      return repo;
    });
    const ready = this.#ready;
    ready.catch(() => {
      if (this.#ready === ready) this.#ready = null;
    });
    return ready;
  }

  async #exclusive(
    projectId: string,
    kind: 'backup' | 'restore',
    onEvent: (e: BackupEvent) => void,
    signal: AbortSignal | undefined,
    fn: (emit: { progress: (p: BackupProgress) => void }) => Promise<BackupEvent>,
  ): Promise<void> {
    const running = this.#running.get(projectId);
    if (running) {
      onEvent({
        type: 'error',
        code: 'backup_running',
        message: `a ${running.kind} of this project is running since ${running.since}; try again when it is done`,
      });
      return;
    }
    this.#running.set(projectId, { kind, since: new Date().toISOString() });
    let last: BackupProgress | null = null;
    let lastAt = Date.now();
    const progress = (p: BackupProgress) => {
      last = p;
      lastAt = Date.now();
      onEvent({ type: 'progress', ...p });
    };
    const heartbeat = setInterval(() => {
      if (Date.now() - lastAt < HEARTBEAT_MS) return;
      progress(
        last ?? { percent: 0, bytesDone: 0, totalBytes: 0, filesDone: 0, totalFiles: 0, etaSeconds: null },
      );
    }, HEARTBEAT_MS / 3);
    heartbeat.unref();
    try {
      onEvent(await fn({ progress }));
    } catch (err) {
      onEvent(this.#errorEvent(projectId, kind, err, signal));
    } finally {
      clearInterval(heartbeat);
      this.#running.delete(projectId);
    }
  }

  #errorEvent(projectId: string, kind: string, err: unknown, signal: AbortSignal | undefined): BackupEvent {
    if (err instanceof ResticError) {
      this.#o.logger.warn(
        { project: projectId, code: err.code, reason: err.message },
        `backups: ${kind} failed`,
      );
      return { type: 'error', code: err.code, message: err.message };
    }
    if (signal?.aborted) {
      this.#o.logger.info(
        { project: projectId, reason: String(signal.reason) },
        `backups: ${kind} cancelled`,
      );
      return {
        type: 'error',
        code: 'cancelled',
        message: `the ${kind} was cancelled: ${(err as Error).message}`,
      };
    }
    if (err instanceof Error && err.name === 'RestorePathError')
      return { type: 'error', code: 'invalid_path', message: err.message };
    this.#o.logger.error({ err, project: projectId }, `backups: ${kind} failed unexpectedly`);
    return {
      type: 'error',
      code: 'restic_failed',
      message: `the ${kind} failed on this host: ${(err as Error).message}`,
    };
  }
}
