import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Why a restore path was refused (the route answers 400 with it). */
export class RestorePathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RestorePathError';
  }
}

/**
 * A restore request's `path`, checked: relative to the project, no `..`, no NUL; `./` and
 * doubled or trailing slashes are dropped. Returns the normalised relative path.
 */
export function checkRestorePath(path: string): string {
  if (path.includes('\0')) throw new RestorePathError('path: must not contain a NUL byte');
  if (path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path))
    throw new RestorePathError(
      `path: "${path}" is absolute; give a path relative to the project, e.g. notes/a.md`,
    );
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..'))
    throw new RestorePathError(`path: "${path}" leaves the project (..); give a path inside it`);
  if (parts.length === 0)
    throw new RestorePathError('path: empty; leave it out to restore the whole project');
  return parts.join('/');
}

/** `2026-11-22T10:00:00.123456789Z` (restic's time, any offset) → `2026-11-22T10-00-00Z` (UTC, no colons). */
export function folderTimeOf(snapshotTime: string): string {
  const ms = Date.parse(snapshotTime);
  if (Number.isNaN(ms)) throw new Error(`not a snapshot time: ${snapshotTime}`);
  return `${new Date(ms).toISOString().slice(0, 19).replace(/:/g, '-')}Z`;
}

/**
 * Makes a new folder `restore-<time>` in `projectDir` (`-2`, `-3`… when the name is taken) and
 * returns its name. mkdir without `recursive` fails on an existing name, so this never reuses a
 * folder, even one made a moment ago by someone else.
 */
export async function makeRestoreFolder(projectDir: string, snapshotTime: string): Promise<string> {
  const base = `restore-${folderTimeOf(snapshotTime)}`;
  for (let n = 1; n < 10_000; n++) {
    const name = n === 1 ? base : `${base}-${n}`;
    try {
      await mkdir(join(projectDir, name));
      return name;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  throw new Error(`${projectDir} already has 10 000 folders named ${base}-…; remove some`);
}
