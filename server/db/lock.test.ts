import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireLock, HubAlreadyRunningError, type LockInfo, lockFilePath, readLiveLock } from './lock.js';

let dir: string;
let lockPath: string;
const children: ChildProcess[] = [];

function info(patch: Partial<LockInfo> = {}): LockInfo {
  return { pid: process.pid, startedAt: Date.now(), httpsPort: 9200, hostname: hostname(), ...patch };
}

/** The pid of a process that has exited (and been reaped): what a crashed hub leaves behind. */
function deadPid(): number {
  const res = spawnSync(process.execPath, ['-e', '']);
  expect(res.status).toBe(0);
  return res.pid;
}

function writeLock(lock: LockInfo | string): void {
  writeFileSync(lockPath, typeof lock === 'string' ? lock : JSON.stringify(lock), { mode: 0o600 });
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lp-db-lock-'));
  lockPath = lockFilePath(dir);
});

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill();
      await once(child, 'exit');
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('data-dir lock', () => {
  it('writes a 0600 lock file with the info, and release removes it', () => {
    const mine = info({ httpsPort: 9443 });
    const lock = acquireLock(dir, mine);
    expect(lockPath).toBe(join(dir, 'launchpad.lock'));
    expect(JSON.parse(readFileSync(lockPath, 'utf8'))).toEqual(mine);
    if (process.platform !== 'win32') expect(statSync(lockPath).mode & 0o777).toBe(0o600);
    expect(readLiveLock(dir)).toEqual(mine);
    // No temp files left next to it.
    expect(readdirSync(dir)).toEqual(['launchpad.lock']);

    lock.release();
    expect(existsSync(lockPath)).toBe(false);
    expect(readLiveLock(dir)).toBeNull();
    expect(() => lock.release()).not.toThrow();
  });

  it('refuses a second hub in the same process, naming the pid', () => {
    const lock = acquireLock(dir, info());
    let caught: unknown;
    try {
      acquireLock(dir, info({ httpsPort: 9999 }));
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(HubAlreadyRunningError);
    const err = caught as HubAlreadyRunningError;
    expect(err.info.pid).toBe(process.pid);
    expect(err.message).toBe(
      `Another Launchpad hub (PID ${process.pid}) is already running on the data dir ${dir} ` +
        '(https port 9200). Stop it first, or use another --data-dir.',
    );
    // The refused attempt must not have disturbed the holder's lock.
    expect(readLiveLock(dir)?.httpsPort).toBe(9200);
    lock.release();
  });

  it('takes over a lock left by a dead process', () => {
    const stale = info({ pid: deadPid(), httpsPort: 9100 });
    writeLock(stale);
    expect(readLiveLock(dir)).toBeNull();
    // readLiveLock is read-only: the stale file is still there.
    expect(existsSync(lockPath)).toBe(true);

    const lock = acquireLock(dir, info());
    expect(readLiveLock(dir)?.pid).toBe(process.pid);
    expect(readdirSync(dir)).toEqual(['launchpad.lock']);
    lock.release();
  });

  it('takes over a lock that is not readable JSON', () => {
    writeLock('{"pid": 12');
    expect(readLiveLock(dir)).toBeNull();
    writeLock('');
    expect(readLiveLock(dir)).toBeNull();
    const lock = acquireLock(dir, info());
    expect(readLiveLock(dir)?.pid).toBe(process.pid);
    lock.release();
  });

  it('returns null when there is no lock file', () => {
    expect(readLiveLock(dir)).toBeNull();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('release leaves a lock that is no longer ours', () => {
    const lock = acquireLock(dir, info());
    const other = info({ pid: deadPid() });
    writeLock(other);
    lock.release();
    expect(JSON.parse(readFileSync(lockPath, 'utf8'))).toEqual(other);
  });

  it('update rewrites the lock in place', () => {
    const lock = acquireLock(dir, info({ httpsPort: 0 }));
    lock.update({ httpsPort: 9443 });
    expect(readLiveLock(dir)?.httpsPort).toBe(9443);
    if (process.platform !== 'win32') expect(statSync(lockPath).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['launchpad.lock']);
    lock.release();
    expect(() => lock.update({ httpsPort: 1 })).toThrow(/already released/);
    expect(existsSync(lockPath)).toBe(false);
  });

  it('refuses while another process holds the lock, and takes it once that process is gone', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 10000)'], { stdio: 'ignore' });
    children.push(child);
    await once(child, 'spawn');
    const childPid = child.pid!;
    writeLock(info({ pid: childPid, httpsPort: 9500 }));

    expect(readLiveLock(dir)?.pid).toBe(childPid);
    expect(() => acquireLock(dir, info())).toThrow(HubAlreadyRunningError);
    expect(() => acquireLock(dir, info())).toThrow(`(PID ${childPid})`);

    child.kill();
    // Wait until node has reaped it: a zombie still answers kill(pid, 0).
    await once(child, 'exit');

    expect(readLiveLock(dir)).toBeNull();
    const lock = acquireLock(dir, info());
    expect(readLiveLock(dir)?.pid).toBe(process.pid);
    lock.release();
  });
});
