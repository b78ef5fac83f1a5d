import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What a running hub records in `<dataDir>/launchpad.lock`. */
export interface LockInfo {
  pid: number;
  startedAt: number;
  httpsPort: number;
  hostname: string;
}

export interface HeldLock {
  /** Removes the lock file if it still holds our pid; safe to call twice. */
  release(): void;
  /** Rewrites the lock file with `patch` applied (e.g. the real https port once bound). */
  update(patch: Partial<LockInfo>): void;
}

/** A host agent holds its data dir's lock too (two agents would evict each other's tunnel); it serves no HTTPS. */
export const AGENT_LOCK_PORT = 0;

/** Two hubs on one data dir would fight over the same sqlite file, ports and backup repo. */
export class HubAlreadyRunningError extends Error {
  readonly info: LockInfo;
  readonly dataDir: string;

  constructor(info: LockInfo, dataDir: string) {
    super(
      info.httpsPort === AGENT_LOCK_PORT
        ? `Another Launchpad host agent (PID ${info.pid}) is already running on the data dir ${dataDir}. ` +
            'Stop it first, or use another --data-dir.'
        : `Another Launchpad hub (PID ${info.pid}) is already running on the data dir ${dataDir} ` +
            `(https port ${info.httpsPort}). Stop it first, or use another --data-dir.`,
    );
    this.name = 'HubAlreadyRunningError';
    this.info = info;
    this.dataDir = dataDir;
  }
}

export function lockFilePath(dataDir: string): string {
  return join(dataDir, 'launchpad.lock');
}

/**
 * The lock of a hub that is running now, or null (no lock file, its process is gone, or the file
 * is not readable JSON). Never writes, so the CLI can ask "is a hub running?" safely.
 */
export function readLiveLock(dataDir: string): LockInfo | null {
  const found = inspect(lockFilePath(dataDir));
  return found.kind === 'live' ? found.info : null;
}

/**
 * Takes the data-dir lock for this process or throws HubAlreadyRunningError. A lock left by a
 * process that died is taken over (once). A lock holding our own pid counts as live: starting a
 * second hub in the same process is as wrong as in another one. The data dir must exist.
 */
export function acquireLock(dataDir: string, info: LockInfo): HeldLock {
  const path = lockFilePath(dataDir);
  let current: LockInfo = { ...info };

  if (!createExclusive(path, current)) {
    const found = inspect(path);
    if (found.kind === 'live') throw new HubAlreadyRunningError(found.info, dataDir);
    if (found.kind === 'stale') removeStale(path, found.raw);
    if (!createExclusive(path, current)) {
      // Another hub started while we were clearing the stale lock (or we put its lock back).
      const again = inspect(path);
      if (again.kind === 'live') throw new HubAlreadyRunningError(again.info, dataDir);
      throw new Error(
        `Could not take the lock ${path}: it was replaced while a stale one was removed. Try again.`,
      );
    }
  }

  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      if (readOwnerPid(path) !== current.pid) return;
      try {
        unlinkSync(path);
      } catch (err) {
        // Removed by someone else in between: the goal (no lock of ours) is reached anyway.
        if (errnoCode(err) !== 'ENOENT') throw err;
      }
    },
    update(patch) {
      if (released) throw new Error(`The lock ${path} was already released`);
      if (readOwnerPid(path) !== current.pid) {
        throw new Error(`The lock ${path} no longer belongs to this process (PID ${current.pid})`);
      }
      current = { ...current, ...patch };
      // Replace by rename so a concurrent reader never sees a half-written file.
      const tmp = writeTemp(path, current);
      renameSync(tmp, path);
    },
  };
}

type Inspection = { kind: 'none' } | { kind: 'live'; info: LockInfo } | { kind: 'stale'; raw: string };

function inspect(path: string): Inspection {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return { kind: 'none' };
    throw err;
  }
  const info = parseLockInfo(raw);
  if (info === undefined || !isAlive(info.pid)) return { kind: 'stale', raw };
  return { kind: 'live', info };
}

function parseLockInfo(raw: string): LockInfo | undefined {
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    // A crash (or power loss) while writing leaves garbage; no process can be waiting behind it.
    return undefined;
  }
  if (typeof data !== 'object' || data === null) return undefined;
  const d = data as Record<string, unknown>;
  if (typeof d.pid !== 'number' || !Number.isInteger(d.pid) || d.pid <= 0) return undefined;
  // Only the pid decides liveness; a lock from another Launchpad version with other fields must
  // still keep us out, so the rest is filled in rather than rejected.
  return {
    pid: d.pid,
    startedAt: typeof d.startedAt === 'number' ? d.startedAt : 0,
    httpsPort: typeof d.httpsPort === 'number' ? d.httpsPort : 0,
    hostname: typeof d.hostname === 'string' ? d.hostname : '',
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ESRCH') return false;
    // The process exists but belongs to another user: alive all the same.
    if (code === 'EPERM') return true;
    throw err;
  }
}

function readOwnerPid(path: string): number | undefined {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
  return parseLockInfo(raw)?.pid;
}

/**
 * Creates the lock file with its full content, or returns false if one exists. The content goes
 * to a private temp file first and is hard-linked into place: link() fails if the target exists
 * (like O_EXCL) and, unlike open('wx') + write, no one can ever read a half-written lock and
 * mistake it for a stale one.
 */
function createExclusive(path: string, info: LockInfo): boolean {
  const tmp = writeTemp(path, info);
  try {
    return linkExclusive(tmp, path, `${JSON.stringify(info)}\n`);
  } finally {
    unlinkSync(tmp);
  }
}

function linkExclusive(from: string, to: string, content: string): boolean {
  try {
    linkSync(from, to);
    return true;
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err;
  }
  // No hard links on this filesystem (FAT, some network mounts): a plain O_EXCL create, with a
  // short window in which the file is empty.
  try {
    writeFileSync(to, content, { flag: 'wx', mode: 0o600 });
    return true;
  } catch (err) {
    if (errnoCode(err) === 'EEXIST') return false;
    throw err;
  }
}

function writeTemp(path: string, info: LockInfo): string {
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  // 0600: the lock names a pid and port, nothing secret, but the data dir is private throughout.
  writeFileSync(tmp, `${JSON.stringify(info)}\n`, { flag: 'wx', mode: 0o600 });
  return tmp;
}

/**
 * Removes the stale lock whose content was `staleRaw`. Moved aside first and compared, because a
 * plain unlink could delete a fresh lock that another starting hub wrote after we looked.
 */
function removeStale(path: string, staleRaw: string): void {
  const aside = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.stale`;
  try {
    renameSync(path, aside);
  } catch (err) {
    // Another starting hub cleared it first; the exclusive create decides who wins.
    if (errnoCode(err) === 'ENOENT') return;
    throw err;
  }
  try {
    const moved = readFileSync(aside, 'utf8');
    // Not the file we judged stale: put the newcomer's lock back (unless yet another one appeared).
    if (moved !== staleRaw) linkExclusive(aside, path, moved);
  } finally {
    unlinkSync(aside);
  }
}

function errnoCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}
