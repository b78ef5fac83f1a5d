import { type Db, EventsRepo, SettingsRepo } from '../../db/index.js';
import type { Logger } from '../../log/index.js';
import type { BackupService } from './backup-service.js';
import { maintenanceDue } from './schedule-policy.js';

/** Repository upkeep the hub runs on its own repository (the restic driver, or a stand-in in tests). */
export interface RepoMaintenance {
  /** Applies the retention policy (keep 7 daily, 4 weekly snapshots per project); resolves with what it did. */
  forget(): Promise<unknown>;
  /** Checks the repository's structure and a sample of its data. */
  check(): Promise<unknown>;
}

export interface SchedulerOptions {
  service: BackupService;
  maintenance: RepoMaintenance;
  db: Db;
  logger: Logger;
  now?: () => number;
  /** How often due backups are looked for. */
  checkEveryMs?: number;
  /** How often forget and check run. */
  maintenanceEveryMs?: number;
  /** Scheduled backups running at once (each one is a restic process on a host, plus the repository's I/O). */
  maxConcurrent?: number;
}

const WEEK_MS = 7 * 24 * 3_600_000;
// Not admin settings (never in SETTING_KEYS): when maintenance last ran, kept across restarts so
// a hub that restarts daily still gets its weekly forget and check.
const LAST_FORGET_KEY = 'backups.lastForgetAt';
const LAST_CHECK_KEY = 'backups.lastCheckAt';

type Task = { key: string; kind: 'forget' | 'check'; run: () => Promise<unknown> };

/**
 * The backup schedule: every `checkEveryMs` it starts the scheduled backups that are due (see
 * schedule-policy.ts) and, when no backup runs, the weekly forget and check of the repository,
 * whose results are logged and recorded as events. While maintenance runs (restic locks the
 * repository), no scheduled backup starts.
 */
export class BackupScheduler {
  readonly #o: Required<Omit<SchedulerOptions, 'db' | 'logger'>>;
  readonly #log: Logger;
  readonly #settings: SettingsRepo;
  readonly #events: EventsRepo;
  #timer: NodeJS.Timeout | null = null;
  #maintaining: Promise<void> | null = null;

  constructor(o: SchedulerOptions) {
    this.#o = {
      service: o.service,
      maintenance: o.maintenance,
      now: o.now ?? Date.now,
      checkEveryMs: o.checkEveryMs ?? 60_000,
      maintenanceEveryMs: o.maintenanceEveryMs ?? WEEK_MS,
      maxConcurrent: o.maxConcurrent ?? 2,
    };
    this.#log = o.logger.child({ component: 'backup-schedule' });
    this.#settings = new SettingsRepo(o.db);
    this.#events = new EventsRepo(o.db);
    // The first maintenance is one period after the hub first ran, not at once: a new hub's repository
    // has nothing to forget, and its hosts' first backups should not meet a locked repository.
    const now = this.#o.now();
    for (const key of [LAST_FORGET_KEY, LAST_CHECK_KEY])
      if (typeof this.#settings.get(key) !== 'number') this.#settings.set(key, now);
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.tick(), this.#o.checkEveryMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#maintaining;
  }

  /** One round: start what is due; returns the ids of the projects whose backup it started. */
  async tick(): Promise<string[]> {
    if (this.#maintaining) return [];
    const task = this.#dueMaintenance();
    if (task && this.#o.service.runningCount() === 0) {
      this.#maintaining = this.#maintain(task).finally(() => {
        this.#maintaining = null;
      });
      await this.#maintaining;
      return [];
    }
    const started: string[] = [];
    const room = this.#o.maxConcurrent - this.#o.service.runningCount();
    for (const p of this.#o.service.due().slice(0, Math.max(0, room))) {
      try {
        const run = this.#o.service.start(p.id, 'scheduled');
        started.push(p.id);
        if (run.state === 'failed')
          this.#log.warn({ projectId: p.id, error: run.error }, 'scheduled backup failed');
      } catch (err) {
        // A manual run that started between due() and start() (409), or a project just deleted.
        this.#log.info({ projectId: p.id, err }, 'scheduled backup not started');
      }
    }
    return started;
  }

  #dueMaintenance(): Task | null {
    const now = this.#o.now();
    const { maintenance, maintenanceEveryMs } = this.#o;
    const tasks: Task[] = [
      { key: LAST_FORGET_KEY, kind: 'forget', run: () => maintenance.forget() },
      { key: LAST_CHECK_KEY, kind: 'check', run: () => maintenance.check() },
    ];
    return (
      tasks.find((t) => {
        const last = this.#settings.get(t.key);
        return maintenanceDue(typeof last === 'number' ? last : null, maintenanceEveryMs, now);
      }) ?? null
    );
  }

  async #maintain(task: Task): Promise<void> {
    const t0 = this.#o.now();
    this.#log.info({ task: task.kind }, 'repository maintenance started');
    try {
      const result = await task.run();
      const detail = { ok: true, ms: this.#o.now() - t0, result: summarize(result) };
      this.#events.record(`backup.repo.${task.kind}`, null, detail, this.#o.now());
      this.#log.info({ task: task.kind, ...detail }, 'repository maintenance done');
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      this.#events.record(`backup.repo.${task.kind}`, null, { ok: false, error }, this.#o.now());
      this.#log.error({ task: task.kind, err }, 'repository maintenance failed');
    }
    // Failed or not, the next try is a period later: a broken repository shows in health and the
    // event log, and retrying every minute would only keep it locked.
    this.#settings.set(task.key, this.#o.now());
  }
}

/** What of a maintenance result goes into the event log: small JSON, never a huge restic dump. */
function summarize(result: unknown): unknown {
  if (result === undefined || result === null) return null;
  const text = JSON.stringify(result);
  return text.length <= 2000 ? result : `${text.slice(0, 2000)}…`;
}
