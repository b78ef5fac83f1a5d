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
}

/**
 * The hub's own restic repository, `<data dir>/backup-repo/` (the SFTP root hosts back up into),
 * with the password hosts receive at their join. It is made on first use, which is always the
 * hub's: before it asks a host to back up (so hosts never race to make it over SFTP), and before
 * it reads or maintains it. A hub that never backs up runs no restic at all.
 */
export function hubRepository(layout: { backupRepo: string; backupRepoPassword: string }): HubRepository {
  const repo: ResticRepo = { repository: layout.backupRepo, passwordFile: layout.backupRepoPassword };
  let made: Promise<void> | null = null;
  const ensure = (): Promise<void> => {
    made ??= (async () => {
      ensureSecret(layout.backupRepoPassword);
      await ensureRepo(repo);
    })().catch((err: unknown) => {
      // Not remembered: the next use tries again (restic installed, disk freed).
      made = null;
      throw asApiError(err);
    });
    return made;
  };
  return {
    repo,
    ensure,
    snapshots: async (host) => {
      await ensure();
      try {
        return await resticSnapshots(repo, { host });
      } catch (err) {
        throw asApiError(err);
      }
    },
    forget: async () => {
      await ensure();
      await resticForget(repo, RETENTION);
    },
    check: async () => {
      await ensure();
      await resticCheck(repo, { readDataSubset: CHECK_SUBSET });
    },
  };
}

/** A repository problem as the API reports it: 503, restic's code and its sentence. */
function asApiError(err: unknown): unknown {
  if (!(err instanceof ResticError) || err instanceof ApiError) return err;
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
