import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import {
  BACKUP_INTERVAL_HOURS,
  type BackupProgress,
  type BackupProjectView,
  type BackupRunView,
  type ProjectView,
  type RestoreResponse,
  restoreRequestSchema,
  type SnapshotView,
} from '../../api/index.js';
import { type Db, EventsRepo } from '../../db/index.js';
import type { ServiceEndpoint } from '../../hosts/index.js';
import { ApiError, fromZodError } from '../../http/index.js';
import type { Logger } from '../../log/index.js';
import { CONTROL_PREFIX, type ProjectHostsSource } from '../../projects/index.js';
import { followHostStream } from './host-stream.js';
import { type BackupRunKind, type BackupRunRecord, BackupRunsRepo, type RunOutcome } from './runs-repo.js';
import { nextBackupAt, RETRY_BACKOFF_MS } from './schedule-policy.js';
import { iso, offlineReason, resticHostOf, runView } from './views.js';

/** A snapshot in the hub's repository, as the restic driver lists it. */
export interface RepoSnapshot {
  id: string;
  shortId: string;
  time: string;
  hostname: string;
  tags: string[];
}

/** What the service reads from the hub's own repository (the restic driver, or a stand-in in tests). */
export interface HubRepo {
  /** Makes the repository when there is none yet; throws ApiError when it cannot. */
  ensure(): Promise<void>;
  /** Snapshots made with `--host <host>`, newest first; throws ApiError when the repository cannot be read. */
  snapshots(host: string): Promise<RepoSnapshot[]>;
}

/** The project registry as backups need it (HubProjects). */
export interface BackupProjectsSource {
  list(): ProjectView[];
  /** Throws ApiError 404 for an unknown project. */
  get(id: string): ProjectView;
  subscribe(listener: () => void): () => void;
}

export interface BackupServiceOptions {
  db: Db;
  projects: BackupProjectsSource;
  hosts: ProjectHostsSource;
  repo: HubRepo;
  logger: Logger;
  now?: () => number;
  /** Hours between scheduled backups, read on every use (an admin may change it while the hub runs). */
  intervalHours?: () => number;
  backoffMs?: readonly number[];
  /** A backup or restore stream counts as broken after this long without a line. */
  idleTimeoutMs?: number;
  /** At most this often a change is announced (progress arrives several times a second). */
  notifyEveryMs?: number;
}

/** Recorded for a run that a hub process left running when it stopped (or died). */
export const HUB_STOPPED = 'the hub stopped during the backup';

interface ActiveRun {
  record: BackupRunRecord;
  progress: BackupProgress | null;
  abort: AbortController;
  done: Promise<void>;
}

const SNAPSHOT_ID_RE = /^[0-9a-f]{8,64}$/;

/**
 * Backups on the hub: starts a project's backup on its host and follows the host's stream to
 * the end (the run is recorded as succeeded only on the host's `done` with a snapshot id),
 * restores, lists snapshots from the hub's repository, and summarises every project for the
 * Backups page. One run per project at a time.
 */
export class BackupService {
  readonly #runs: BackupRunsRepo;
  readonly #events: EventsRepo;
  readonly #projects: BackupProjectsSource;
  readonly #hosts: ProjectHostsSource;
  readonly #repo: HubRepo;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #intervalHours: () => number;
  readonly #backoffMs: readonly number[];
  readonly #idleTimeoutMs: number;
  readonly #notifyEveryMs: number;
  readonly #active = new Map<string, ActiveRun>();
  readonly #emitter = new EventEmitter();
  readonly #unsubscribe: () => void;
  #notifyTimer: NodeJS.Timeout | null = null;
  #lastNotify = 0;
  #stopped = false;

  constructor(o: BackupServiceOptions) {
    this.#runs = new BackupRunsRepo(o.db);
    this.#events = new EventsRepo(o.db);
    this.#projects = o.projects;
    this.#hosts = o.hosts;
    this.#repo = o.repo;
    this.#log = o.logger.child({ component: 'backups' });
    this.#now = o.now ?? Date.now;
    this.#intervalHours = o.intervalHours ?? (() => BACKUP_INTERVAL_HOURS);
    this.#backoffMs = o.backoffMs ?? RETRY_BACKOFF_MS;
    this.#idleTimeoutMs = o.idleTimeoutMs ?? 5 * 60_000;
    this.#notifyEveryMs = o.notifyEveryMs ?? 250;
    this.#emitter.setMaxListeners(0);
    // This process is the only one that runs backups: anything still "running" is from a hub that
    // stopped (or died) mid-run and will never finish.
    const stale = this.#runs.failAllRunning(HUB_STOPPED, this.#now());
    if (stale > 0)
      this.#log.warn({ runs: stale }, 'backup runs left running by a previous hub marked failed');
    // Project names, hosts and states are part of the backup views.
    this.#unsubscribe = o.projects.subscribe(() => this.#changed());
  }

  /** Starts a backup of the project now; the run is returned at once (it may already have failed). */
  start(projectId: string, kind: BackupRunKind): BackupRunView {
    if (this.#stopped) throw new ApiError(503, 'hub_stopping', 'The hub is stopping');
    const project = this.#projects.get(projectId);
    const active = this.#active.get(project.id);
    if (active) {
      throw new ApiError(
        409,
        'backup_running',
        `A backup of ${project.name} is running since ${iso(active.record.startedAt)}`,
      );
    }
    const record: BackupRunRecord = {
      id: randomUUID(),
      projectId: project.id,
      kind,
      state: 'running',
      startedAt: this.#now(),
      finishedAt: null,
      error: null,
      snapshotId: null,
      summary: null,
    };
    this.#runs.insert(record);
    this.#log.info({ projectId: project.id, runId: record.id, kind }, 'backup started');
    const host = this.#hosts.get(project.hostId);
    if (!host?.online || !host.endpoint) {
      this.#finish(record, { state: 'failed', error: offlineReason(host, this.#now()) });
      return runView(record, null);
    }
    const run: ActiveRun = { record, progress: null, abort: new AbortController(), done: Promise.resolve() };
    this.#active.set(project.id, run);
    run.done = this.#follow(run, host.name, host.endpoint)
      .catch((err: Error) => {
        // followHostStream never throws; this is a bug of ours, and the run must not stay "running".
        this.#log.error({ err, runId: record.id }, 'backup follow failed');
        this.#finish(record, { state: 'failed', error: `internal error: ${err.message}` });
      })
      .finally(() => {
        this.#active.delete(project.id);
        this.#changed();
      });
    this.#changed();
    return runView(record, null);
  }

  async #follow(run: ActiveRun, hostName: string, endpoint: ServiceEndpoint): Promise<void> {
    const { record } = run;
    try {
      await this.#repo.ensure();
    } catch (err) {
      this.#finish(record, { state: 'failed', error: (err as Error).message });
      return;
    }
    const outcome = await followHostStream(
      endpoint,
      `${CONTROL_PREFIX}/${record.projectId}/backup`,
      hostName,
      {
        body: {},
        identity: { projectId: record.projectId },
        idleTimeoutMs: this.#idleTimeoutMs,
        signal: run.abort.signal,
        onProgress: (p) => {
          run.progress = p;
          this.#changed();
        },
      },
    );
    let result: RunOutcome;
    if (run.abort.signal.aborted) result = { state: 'failed', error: HUB_STOPPED };
    else if (!outcome.ok) result = { state: 'failed', error: outcome.message };
    else if (!outcome.done.snapshotId || !SNAPSHOT_ID_RE.test(outcome.done.snapshotId))
      result = { state: 'failed', error: `${hostName} said the backup was done but named no snapshot` };
    else
      result = {
        state: 'succeeded',
        snapshotId: outcome.done.snapshotId,
        summary: outcome.done.summary ?? null,
      };
    this.#finish(record, result);
  }

  #finish(record: BackupRunRecord, outcome: RunOutcome): void {
    const at = this.#now();
    if (!this.#runs.finish(record.id, outcome, at)) return;
    Object.assign(record, this.#runs.get(record.id));
    const detail =
      outcome.state === 'succeeded'
        ? { runId: record.id, kind: record.kind, snapshotId: outcome.snapshotId }
        : { runId: record.id, kind: record.kind, error: outcome.error };
    this.#events.record(`backup.${outcome.state}`, record.projectId, detail, at);
    if (outcome.state === 'succeeded')
      this.#log.info({ projectId: record.projectId, ...detail }, 'backup succeeded');
    else this.#log.warn({ projectId: record.projectId, ...detail }, 'backup failed');
    this.#changed();
  }

  /** Restores a snapshot of the project (or one path of it) into a new folder inside the project. */
  async restore(projectId: string, raw: unknown): Promise<RestoreResponse> {
    const parsed = restoreRequestSchema.safeParse(raw ?? {});
    if (!parsed.success) throw fromZodError(parsed.error);
    const path = parsed.data.path === undefined ? undefined : projectRelativePath(parsed.data.path);
    const project = this.#projects.get(projectId);
    const host = this.#hosts.get(project.hostId);
    if (!host?.online || !host.endpoint) {
      throw new ApiError(409, 'host_offline', `Cannot restore now: ${offlineReason(host, this.#now())}`);
    }
    // Only this project's snapshots: a snapshot id of another project must not pull its files in here.
    const snapshots = await this.#repo.snapshots(resticHostOf(project.id));
    const snapshot = snapshots.find((s) => s.id.startsWith(parsed.data.snapshotId));
    if (!snapshot) {
      throw new ApiError(
        404,
        'snapshot_not_found',
        `${project.name} has no snapshot ${parsed.data.snapshotId} (see \`launchpad backup list ${project.id}\`)`,
        'snapshotId',
      );
    }
    this.#log.info({ projectId: project.id, snapshotId: snapshot.id, path }, 'restore started');
    const outcome = await followHostStream(
      host.endpoint,
      `${CONTROL_PREFIX}/${project.id}/restore`,
      host.name,
      {
        body: { snapshotId: snapshot.id, ...(path !== undefined ? { path } : {}) },
        identity: { projectId: project.id },
        idleTimeoutMs: this.#idleTimeoutMs,
      },
    );
    if (outcome.ok && outcome.done.restoredTo) {
      const done = {
        restoredTo: outcome.done.restoredTo,
        files: outcome.done.files ?? 0,
        bytes: outcome.done.bytes ?? 0,
      };
      this.#events.record('backup.restored', project.id, {
        snapshotId: snapshot.id,
        ...(path ? { path } : {}),
        ...done,
      });
      this.#log.info({ projectId: project.id, ...done }, 'restore done');
      return done;
    }
    const message = outcome.ok
      ? `${host.name} finished the restore without saying where the files went`
      : outcome.message;
    this.#log.warn({ projectId: project.id, snapshotId: snapshot.id, error: message }, 'restore failed');
    if (!outcome.ok && outcome.code === 'not_found' && path !== undefined)
      throw new ApiError(
        404,
        'path_not_found',
        `${path} is not in snapshot ${snapshot.shortId}: ${message}`,
        'path',
      );
    if (!outcome.ok && outcome.status !== undefined && outcome.status >= 400 && outcome.status < 500)
      throw new ApiError(outcome.status, outcome.code, message);
    throw new ApiError(502, 'restore_failed', `The restore failed: ${message}`);
  }

  /** The project's snapshots in the hub's repository, newest first. */
  async snapshots(projectId: string): Promise<SnapshotView[]> {
    const project = this.#projects.get(projectId);
    const [snapshots, runs] = [
      await this.#repo.snapshots(resticHostOf(project.id)),
      this.#runs.successes(project.id),
    ];
    return snapshots.map((s) => {
      // Hosts may report restic's short or full id; either way it is a prefix of the full one.
      const run = runs.find((r) => r.snapshotId !== null && s.id.startsWith(r.snapshotId));
      return {
        id: s.id,
        shortId: s.shortId,
        time: s.time,
        host: s.hostname,
        tags: s.tags,
        sizeBytes: run?.summary?.totalBytes ?? null,
        files: run?.summary?.totalFiles ?? null,
      };
    });
  }

  /** Every project with its backup state, for the Backups page. */
  list(): BackupProjectView[] {
    return this.#projects.list().map((p) => this.#projectView(p));
  }

  #projectView(p: ProjectView): BackupProjectView {
    const active = this.#active.get(p.id);
    const last = active ? active.record : this.#runs.latest(p.id);
    const success = this.#runs.lastSuccess(p.id);
    const next = active ? null : this.nextBackupAt(p);
    return {
      projectId: p.id,
      projectName: p.name,
      hostName: p.hostName,
      status: active ? 'running' : !last ? 'never' : last.state === 'failed' ? 'failed' : 'ok',
      lastSuccessAt: success?.finishedAt ? iso(success.finishedAt) : null,
      nextScheduledAt: next === null ? null : iso(Math.max(next, this.#now())),
      sizeBytes: success?.summary?.totalBytes ?? null,
      lastRun: last ? runView(last, active?.progress ?? null) : null,
    };
  }

  /** When the project's next scheduled backup is due (maybe in the past), or null when none is. */
  nextBackupAt(p: Pick<ProjectView, 'id' | 'state'>): number | null {
    const success = this.#runs.lastSuccess(p.id);
    const successAt = success ? (success.finishedAt ?? success.startedAt) : null;
    const failures = this.#runs.failuresSince(p.id, successAt ?? 0);
    return nextBackupAt(
      {
        running: p.state === 'running',
        lastSuccessAt: successAt,
        failuresSinceSuccess: failures.count,
        lastFailureAt: failures.lastAt,
      },
      { intervalMs: this.intervalHours() * 3_600_000, backoffMs: this.#backoffMs },
    );
  }

  /** Projects whose scheduled backup is due now and that are not being backed up. */
  due(): ProjectView[] {
    const now = this.#now();
    return this.#projects.list().filter((p) => {
      if (this.#active.has(p.id)) return false;
      const at = this.nextBackupAt(p);
      return at !== null && at <= now;
    });
  }

  /** How many backups are running now. */
  runningCount(): number {
    return this.#active.size;
  }

  intervalHours(): number {
    return this.#intervalHours();
  }

  /** When the project's last backup succeeded (the health check's question). */
  lastSuccessAt(projectId: string): Date | null {
    const success = this.#runs.lastSuccess(projectId);
    return success?.finishedAt ? new Date(success.finishedAt) : null;
  }

  subscribe(listener: () => void): () => void {
    this.#emitter.on('change', listener);
    return () => {
      this.#emitter.off('change', listener);
    };
  }

  /** Cuts the running backups (recorded as failed: the hub stopped) and waits for them to be recorded. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe();
    const runs = [...this.#active.values()];
    for (const r of runs) r.abort.abort();
    await Promise.all(runs.map((r) => r.done));
    if (this.#notifyTimer) clearTimeout(this.#notifyTimer);
  }

  /** Announces a change, at most every `notifyEveryMs` (the last change always gets out). */
  #changed(): void {
    if (this.#notifyTimer || this.#stopped) return;
    const wait = Math.max(0, this.#lastNotify + this.#notifyEveryMs - Date.now());
    this.#notifyTimer = setTimeout(() => {
      this.#notifyTimer = null;
      this.#lastNotify = Date.now();
      this.#emitter.emit('change');
    }, wait);
  }
}

/** `path` as the host expects it: relative to the project, never leaving it. */
function projectRelativePath(path: string): string {
  const parts = path.split('/').filter((s) => s !== '' && s !== '.');
  if (path.startsWith('/') || parts.includes('..') || parts.length === 0) {
    throw new ApiError(
      400,
      'invalid_request',
      'path: must be a path inside the project, relative to it (e.g. notes/a.md)',
      'path',
    );
  }
  return parts.join('/');
}
