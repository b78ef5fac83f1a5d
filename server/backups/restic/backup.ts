import { stat } from 'node:fs/promises';
import type { BackupProgress } from '../../api/index.js';
import { ResticError } from './errors.js';
import { failure } from './fail.js';
import { resticSnapshots } from './snapshots.js';
import { type ResticRepo, runRestic } from './spawn.js';

export interface BackupSummary {
  filesNew: number;
  filesChanged: number;
  dataAdded: number;
  totalFiles: number;
  totalBytes: number;
}

export interface BackupOptions {
  /** restic's `--host` (`project-<id>`). */
  host: string;
  tags: string[];
  /** Every status line restic prints (restic 0.14 prints up to 60 a second with --json). */
  onProgress?(p: BackupProgress): void;
  signal?: AbortSignal;
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/**
 * restic 0.14's `backup --json` status line: `percent_done` (0..1), `total_files`, `files_done`,
 * `total_bytes`, `bytes_done`, `seconds_remaining`; zero-valued fields are omitted, and
 * `seconds_remaining` only appears once restic has an estimate.
 */
export function progressOfStatus(s: Record<string, unknown>): BackupProgress {
  const remaining = s.seconds_remaining;
  return {
    percent: Math.min(100, Math.max(0, num(s.percent_done) * 100)),
    bytesDone: num(s.bytes_done),
    totalBytes: num(s.total_bytes),
    filesDone: num(s.files_done),
    totalFiles: num(s.total_files),
    etaSeconds: typeof remaining === 'number' && Number.isFinite(remaining) ? remaining : null,
  };
}

/** restic 0.14's summary line (no snapshot summary in `snapshots` yet: this is the only record). */
function summaryOf(s: Record<string, unknown>): BackupSummary {
  return {
    filesNew: num(s.files_new),
    filesChanged: num(s.files_changed),
    dataAdded: num(s.data_added),
    totalFiles: num(s.total_files_processed),
    totalBytes: num(s.total_bytes_processed),
  };
}

/**
 * Backs up the contents of `dir`. restic runs with cwd = `dir` and the path `.`, which makes the
 * snapshot's tree root the directory's contents (`/a.txt`, `/sub/b.bin`; checked with restic
 * 0.14: `restore --target T` then writes `T/a.txt`, `T/sub/b.bin`). The snapshot's `paths` still
 * record the absolute directory. restic 0.14 has no `snapshot:subfolder` restore syntax (it
 * answers `invalid id "…:sub"`), so this layout is what lets a restore land in any folder.
 *
 * Succeeds only when restic exits 0 and printed its summary; exit 3 (some files could not be
 * read: the snapshot is incomplete) is a failure too.
 */
export async function resticBackup(
  repo: ResticRepo,
  dir: string,
  o: BackupOptions,
): Promise<{ snapshotId: string; summary: BackupSummary }> {
  const st = await stat(dir).catch(() => null);
  if (!st?.isDirectory())
    throw new ResticError('not_found', `the directory ${dir} to back up does not exist on this host`);
  let summary: Record<string, unknown> | null = null;
  const args = ['backup', '--json', '--host', o.host];
  for (const tag of o.tags) args.push('--tag', tag);
  args.push('.');
  const run = await runRestic(repo, args, {
    cwd: dir,
    ...(o.signal ? { signal: o.signal } : {}),
    onLine: (line) => {
      if (!line.startsWith('{')) return;
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(line) as Record<string, unknown>;
      } catch {
        // A cut or foreign line on stdout is not restic's JSON; the summary decides success.
        return;
      }
      if (msg.message_type === 'status') o.onProgress?.(progressOfStatus(msg));
      else if (msg.message_type === 'summary') summary = msg;
    },
  });
  if (run.code === 3)
    throw new ResticError(
      'restic_failed',
      `restic could not read some files of ${dir}, so the snapshot in the backup repository ${repo.repository} is incomplete: ${run.stderr.trim().split('\n').slice(-3).join(' ')}`,
    );
  if (run.code !== 0) throw await failure(repo, 'backup', run);
  const done = summary as Record<string, unknown> | null;
  if (done === null || typeof done.snapshot_id !== 'string')
    throw new ResticError(
      'restic_failed',
      `restic backup of ${dir} to ${repo.repository} exited without its summary, so no snapshot is known to have been made`,
    );
  return { snapshotId: await fullId(repo, done.snapshot_id), summary: summaryOf(done) };
}

/**
 * restic 0.14's summary names the snapshot by its short id; the hub matches runs against
 * `snapshots` ids, which are full. The short id is kept if the lookup fails: restic takes both.
 */
async function fullId(repo: ResticRepo, shortId: string): Promise<string> {
  try {
    const [found] = await resticSnapshots(repo, {}, [shortId]);
    return found?.id ?? shortId;
  } catch {
    // The backup itself succeeded; its short id is a valid name for the snapshot.
    return shortId;
  }
}
