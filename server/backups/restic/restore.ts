import { mkdir } from 'node:fs/promises';
import type { BackupProgress } from '../../api/index.js';
import { ResticError } from './errors.js';
import { failure } from './fail.js';
import { type ResticRepo, runRestic } from './spawn.js';
import { measureTree } from './tree.js';

export interface RestoreOptions {
  /** A path inside the snapshot (relative to the backed-up directory); the whole snapshot when absent. */
  subPath?: string;
  /** The folder the files go under (made if missing), keeping their paths relative to the snapshot root. */
  target: string;
  /** restic 0.14's restore prints no progress: this is polled from the target folder every second. */
  onProgress?(p: BackupProgress): void;
  signal?: AbortSignal;
}

const POLL_MS = 1000;

/** `a/b` or `/a/b` → `/a/b`; refuses `..`, empty and NUL (callers check paths before; this is the backstop). */
export function snapshotPathOf(subPath: string): string {
  const parts = subPath.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length === 0 || parts.includes('..') || subPath.includes('\0'))
    throw new ResticError('not_found', `"${subPath}" is not a path inside the snapshot`);
  return `/${parts.join('/')}`;
}

/** restic's --include takes glob patterns (filepath.Match per segment); escape the metacharacters. */
function globEscape(path: string): string {
  return path.replace(/[\\*?[\]]/g, (c) => `\\${c}`);
}

/** What the snapshot (or its path) holds: regular files and their bytes, from `ls --json --recursive`. */
async function totalsOf(
  repo: ResticRepo,
  snapshotId: string,
  path: string | null,
  signal: AbortSignal | undefined,
): Promise<{ files: number; bytes: number }> {
  // restic 0.14's ls takes literal paths (no globs); a missing snapshot exits 0 with
  // `Ignoring "<id>": no matching ID found` on stderr and nothing on stdout.
  const run = await runRestic(repo, ['ls', '--json', '--recursive', snapshotId, ...(path ? [path] : [])], {
    ...(signal ? { signal } : {}),
  });
  if (run.code !== 0) throw await failure(repo, 'ls', run);
  let sawSnapshot = false;
  let sawPath = path === null;
  let files = 0;
  let bytes = 0;
  for (const line of run.stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const node = JSON.parse(line) as { struct_type?: string; type?: string; path?: string; size?: number };
    if (node.struct_type === 'snapshot') sawSnapshot = true;
    if (node.struct_type !== 'node') continue;
    if (node.path === path) sawPath = true;
    if (node.type === 'file') {
      files++;
      bytes += typeof node.size === 'number' ? node.size : 0;
    }
  }
  if (!sawSnapshot)
    throw new ResticError(
      'not_found',
      `snapshot ${snapshotId} is not in the backup repository ${repo.repository}`,
    );
  if (!sawPath)
    throw new ResticError('not_found', `snapshot ${snapshotId} has no file or folder ${path?.slice(1)}`);
  return { files, bytes };
}

/**
 * Restores a snapshot, or one path of it, under `target`: files keep their paths relative to the
 * snapshot root (backups are made from inside the project dir, see resticBackup), so `sub/b.bin`
 * lands at `<target>/sub/b.bin`. One path is restored with `--include /<path>` (escaped: restic
 * reads it as a glob), which restic 0.14 applies to the path and everything below it. Resolves
 * with what is in `target` afterwards.
 */
export async function resticRestore(
  repo: ResticRepo,
  snapshotId: string,
  o: RestoreOptions,
): Promise<{ files: number; bytes: number }> {
  const path = o.subPath === undefined ? null : snapshotPathOf(o.subPath);
  const total = await totalsOf(repo, snapshotId, path, o.signal);
  await mkdir(o.target, { recursive: true });

  let polling: Promise<void> | null = null;
  const poll = () => {
    if (polling || !o.onProgress) return;
    polling = measureTree(o.target)
      .then((now) => {
        const share =
          total.bytes > 0 ? now.bytes / total.bytes : total.files > 0 ? now.files / total.files : 1;
        o.onProgress?.({
          percent: Math.min(100, Math.max(0, share * 100)),
          bytesDone: Math.min(now.bytes, total.bytes),
          totalBytes: total.bytes,
          filesDone: Math.min(now.files, total.files),
          totalFiles: total.files,
          etaSeconds: null,
        });
      })
      // A file restic is renaming may vanish under the walk: that poll is skipped, the next one counts.
      .catch(() => undefined)
      .finally(() => {
        polling = null;
      });
  };
  poll();
  const timer = setInterval(poll, POLL_MS);
  let run: Awaited<ReturnType<typeof runRestic>>;
  try {
    run = await runRestic(
      repo,
      ['restore', snapshotId, '--target', o.target, ...(path ? ['--include', globEscape(path)] : [])],
      { ...(o.signal ? { signal: o.signal } : {}) },
    );
  } finally {
    clearInterval(timer);
  }
  await (polling as Promise<void> | null);
  if (run.code !== 0) throw await failure(repo, 'restore', run);
  const restored = await measureTree(o.target);
  o.onProgress?.({
    percent: 100,
    bytesDone: restored.bytes,
    totalBytes: total.bytes,
    filesDone: restored.files,
    totalFiles: total.files,
    etaSeconds: 0,
  });
  return restored;
}
