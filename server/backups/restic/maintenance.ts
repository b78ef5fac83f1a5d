import { failure } from './fail.js';
import { type ResticRepo, runRestic } from './spawn.js';

/**
 * Forgets snapshots beyond the policy and prunes the data only they used. Grouped by host and
 * tags (not paths): each project is one group, whatever directory it was backed up from.
 */
export async function resticForget(
  repo: ResticRepo,
  policy: { keepDaily: number; keepWeekly: number },
): Promise<void> {
  const run = await runRestic(repo, [
    'forget',
    '--prune',
    '--group-by',
    'host,tags',
    '--keep-daily',
    String(policy.keepDaily),
    '--keep-weekly',
    String(policy.keepWeekly),
  ]);
  if (run.code !== 0) throw await failure(repo, 'forget', run);
}

/** `restic check`, optionally reading a subset of the data (`--read-data-subset 1/10`, `5%`). */
export async function resticCheck(repo: ResticRepo, o: { readDataSubset?: string } = {}): Promise<void> {
  const run = await runRestic(repo, [
    'check',
    ...(o.readDataSubset ? ['--read-data-subset', o.readDataSubset] : []),
  ]);
  if (run.code !== 0) throw await failure(repo, 'check', run);
}
