import { backupIntervalHoursSchema } from '../../api/index.js';
import { ApiError } from '../../http/index.js';
import { ensureSecret } from '../../secrets/index.js';
import {
  ensureRepo,
  ResticError,
  type ResticRepo,
  resticCheck,
  resticForget,
  resticSnapshots,
} from '../restic/index.js';
import type { HubRepo } from './backup-service.js';
import type { RepoMaintenance } from './scheduler.js';

/** The retention policy: per project, the last 7 daily and 4 weekly snapshots. */
export const RETENTION = { keepDaily: 7, keepWeekly: 4 } as const;
/** How much of the data a weekly check reads back (all of it would take as long as a full restore). */
export const CHECK_SUBSET = '5%';

export interface HubRepository extends HubRepo, RepoMaintenance {
  readonly repo: ResticRepo;
  /** Makes the repository on first start (before any host backs up into it). */
  ensure(): Promise<void>;
}

/**
 * The hub's own restic repository, `<data dir>/backup-repo/` (the SFTP root hosts back up into),
 * with the password hosts receive at their join.
 */
export function hubRepository(layout: { backupRepo: string; backupRepoPassword: string }): HubRepository {
  const repo: ResticRepo = { repository: layout.backupRepo, passwordFile: layout.backupRepoPassword };
  return {
    repo,
    ensure: async () => {
      ensureSecret(layout.backupRepoPassword);
      await ensureRepo(repo);
    },
    snapshots: async (host) => {
      try {
        return await resticSnapshots(repo, { host });
      } catch (err) {
        throw asApiError(err);
      }
    },
    forget: () => resticForget(repo, RETENTION),
    check: () => resticCheck(repo, { readDataSubset: CHECK_SUBSET }),
  };
}

/** A repository problem as the API reports it: 503, restic's code and its sentence. */
function asApiError(err: unknown): unknown {
  if (!(err instanceof ResticError)) return err;
  return new ApiError(503, `backup_repo_${err.code}`, `The backup repository cannot be read: ${err.message}`);
}

/**
 * The backup interval as it is now: the stored admin setting when there is a valid one, else the
 * value the hub started with (env or default). Read on every use, so a change in Settings applies
 * without a restart.
 */
export function liveIntervalHours(stored: () => unknown, startedWith: number): () => number {
  return () => {
    const parsed = backupIntervalHoursSchema.safeParse(stored());
    return parsed.success ? parsed.data : startedWith;
  };
}
