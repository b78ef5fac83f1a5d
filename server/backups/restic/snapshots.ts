import { ResticError } from './errors.js';
import { failure } from './fail.js';
import { type ResticRepo, runRestic } from './spawn.js';

export interface ResticSnapshot {
  /** The full 64-hex id. */
  id: string;
  shortId: string;
  /** RFC 3339, as restic records it (nanoseconds, UTC `Z` or an offset). */
  time: string;
  hostname: string;
  tags: string[];
  paths: string[];
}

/** One entry of restic 0.14's `snapshots --json` (fields we use; `tags` is absent when empty). */
interface RawSnapshot {
  id?: unknown;
  short_id?: unknown;
  time?: unknown;
  hostname?: unknown;
  tags?: unknown;
  paths?: unknown;
}

const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];

export function parseSnapshots(stdout: string, repository: string): ResticSnapshot[] {
  let raw: unknown;
  try {
    raw = JSON.parse(stdout);
  } catch {
    throw new ResticError(
      'restic_failed',
      `restic snapshots on the backup repository ${repository} printed something that is not JSON: ${stdout.slice(0, 200)}`,
    );
  }
  if (!Array.isArray(raw)) return [];
  return (raw as RawSnapshot[])
    .filter((s) => typeof s.id === 'string' && typeof s.time === 'string')
    .map((s) => ({
      id: s.id as string,
      shortId: typeof s.short_id === 'string' ? s.short_id : (s.id as string).slice(0, 8),
      time: s.time as string,
      hostname: typeof s.hostname === 'string' ? s.hostname : '',
      tags: strings(s.tags),
      paths: strings(s.paths),
    }))
    .sort((a, b) => Date.parse(b.time) - Date.parse(a.time));
}

/**
 * The repository's snapshots, newest first. `host` and `tags` filter as restic does: the
 * snapshot's hostname is `host`, and it carries every one of `tags`.
 */
export async function resticSnapshots(
  repo: ResticRepo,
  filter: { host?: string; tags?: string[] } = {},
  ids: string[] = [],
): Promise<ResticSnapshot[]> {
  const args = ['snapshots', '--json'];
  if (filter.host !== undefined) args.push('--host', filter.host);
  // One --tag with a comma list means "all of these"; several --tag flags would mean "any".
  if (filter.tags?.length) args.push('--tag', filter.tags.join(','));
  const run = await runRestic(repo, [...args, ...ids]);
  if (run.code !== 0) throw await failure(repo, 'snapshots', run);
  return parseSnapshots(run.stdout, repo.repository);
}
