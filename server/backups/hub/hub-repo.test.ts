import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hubRepository, liveIntervalHours } from './hub-repo.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the hub repository (real restic)', () => {
  it('is made on first use with a fresh password; empty listing, forget and check work on it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lp-hub-repo-'));
    dirs.push(dir);
    const layout = {
      backupRepo: join(dir, 'backup-repo'),
      backupRepoPassword: join(dir, 'secrets', 'backup-repo-password'),
    };
    const repo = hubRepository(layout);
    expect(existsSync(layout.backupRepo)).toBe(false);
    expect(await repo.snapshots('project-x')).toEqual([]);
    expect(existsSync(join(layout.backupRepo, 'config'))).toBe(true);
    expect(existsSync(layout.backupRepoPassword)).toBe(true);
    await repo.forget();
    await repo.check();
  }, 60_000);

  it('a repository it cannot open is a 503 naming the repository', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lp-hub-repo-'));
    dirs.push(dir);
    const layout = { backupRepo: join(dir, 'backup-repo'), backupRepoPassword: join(dir, 'secrets', 'pw') };
    await hubRepository(layout).ensure();
    rmSync(layout.backupRepoPassword);
    // A new password file: the existing repository does not accept it.
    await expect(hubRepository(layout).snapshots('project-x')).rejects.toMatchObject({
      status: 503,
      code: 'backup_repo_wrong_password',
      message: expect.stringContaining(layout.backupRepo),
    });
  }, 60_000);
});

describe('liveIntervalHours', () => {
  it('is the stored setting when valid, else what the hub started with', () => {
    let stored: unknown;
    const hours = liveIntervalHours(() => stored, 24);
    expect(hours()).toBe(24);
    stored = 6;
    expect(hours()).toBe(6);
    stored = 0;
    expect(hours()).toBe(24);
  });
});
