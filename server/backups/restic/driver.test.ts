import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackupProgress } from '../../api/index.js';
import {
  ensureRepo,
  type ResticError,
  type ResticRepo,
  resticBackup,
  resticCheck,
  resticForget,
  resticRestore,
  resticSnapshots,
} from './index.js';
import { hashTree, localRepo, sampleProject, tempDir } from './test-support.js';

// Real restic (0.14 here) on local repositories in temp dirs.

const SLOW = { timeout: 180_000 };
let dir: string;
let repo: ResticRepo;
let project: string;

beforeAll(() => {
  dir = tempDir();
  repo = localRepo(dir);
  project = join(dir, 'project');
  sampleProject(project);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function failure(p: Promise<unknown>): Promise<ResticError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e as ResticError,
  );
  if (err === null) throw new Error('expected a failure');
  return err;
}

describe('restic driver on a local repository', () => {
  it('init (also when two callers race), backup, snapshots, restore: byte-identical', SLOW, async () => {
    await Promise.all([ensureRepo(repo), ensureRepo(repo), ensureRepo(repo)]);
    expect(existsSync(join(repo.repository, 'config'))).toBe(true);
    // Again: the repository is there and the password opens it.
    await ensureRepo(repo);

    const progress: BackupProgress[] = [];
    const made = await resticBackup(repo, project, {
      host: 'project-p1',
      tags: ['p1'],
      onProgress: (p) => progress.push(p),
    });
    expect(made.snapshotId).toMatch(/^[0-9a-f]{64}$/);
    expect(made.summary.totalFiles).toBe(5);
    expect(made.summary.filesNew).toBe(5);
    expect(made.summary.totalBytes).toBeGreaterThan(300_000);
    expect(made.summary.dataAdded).toBeGreaterThan(0);

    await resticBackup(repo, project, { host: 'project-other', tags: ['other'] });
    const mine = await resticSnapshots(repo, { host: 'project-p1', tags: ['p1'] });
    expect(mine.map((s) => s.id)).toEqual([made.snapshotId]);
    expect(mine[0]).toMatchObject({ hostname: 'project-p1', tags: ['p1'], paths: [project] });
    expect(mine[0]?.shortId).toBe(made.snapshotId.slice(0, 8));
    const all = await resticSnapshots(repo);
    expect(all).toHaveLength(2);
    // Newest first.
    expect(all[0]?.hostname).toBe('project-other');

    const target = join(dir, 'restored');
    const restored = await resticRestore(repo, made.snapshotId, { target });
    expect(hashTree(target)).toEqual(hashTree(project));
    expect(restored.files).toBe(5);

    // One path of it, glob characters and spaces included: same relative place under the target.
    const one = join(dir, 'one');
    const got = await resticRestore(repo, made.snapshotId, { target: one, subPath: 'we[ir]d */x y.txt' });
    expect(hashTree(one)).toEqual({ 'we[ir]d */x y.txt': hashTree(project)['we[ir]d */x y.txt'] });
    expect(got).toEqual({ files: 1, bytes: 9 });
    const folder = join(dir, 'folder');
    await resticRestore(repo, made.snapshotId, { target: folder, subPath: 'notes' });
    expect(Object.keys(hashTree(folder))).toEqual(['notes/deep/n.md']);

    const missing = await failure(
      resticRestore(repo, made.snapshotId, { target: join(dir, 'x'), subPath: 'nope' }),
    );
    expect(missing.code).toBe('not_found');
    expect(missing.message).toContain('nope');
    const noSnapshot = await failure(resticRestore(repo, 'deadbeef', { target: join(dir, 'y') }));
    expect(noSnapshot.code).toBe('not_found');

    await resticCheck(repo, { readDataSubset: '1/2' });
    await resticForget(repo, { keepDaily: 1, keepWeekly: 1 });
    // One per group (host, tags): both projects keep their snapshot.
    expect(await resticSnapshots(repo)).toHaveLength(2);
  });

  it('wrong password → wrong_password', SLOW, async () => {
    await ensureRepo(repo);
    const bad = join(dir, 'bad-password');
    writeFileSync(bad, 'not the password\n');
    const err = await failure(resticSnapshots({ ...repo, passwordFile: bad }));
    expect(err.code).toBe('wrong_password');
    expect(err.message).toContain(repo.repository);
    expect((await failure(ensureRepo({ ...repo, passwordFile: bad }))).code).toBe('wrong_password');
  });

  it(
    'a directory that is not a repository, or no directory at all → repository_unreachable naming it',
    SLOW,
    async () => {
      const notRepo = join(dir, 'not-a-repo');
      mkdirSync(notRepo);
      writeFileSync(join(notRepo, 'file'), 'x');
      for (const repository of [notRepo, join(dir, 'nowhere')]) {
        const err = await failure(resticSnapshots({ ...repo, repository }));
        expect(err.code).toBe('repository_unreachable');
        expect(err.message).toContain(repository);
      }
      const backup = await failure(
        resticBackup({ ...repo, repository: notRepo }, project, { host: 'h', tags: [] }),
      );
      expect(backup.code).toBe('repository_unreachable');
    },
  );

  it('a project directory that does not exist → not_found naming it', async () => {
    const err = await failure(resticBackup(repo, join(dir, 'gone'), { host: 'h', tags: [] }));
    expect(err.code).toBe('not_found');
    expect(err.message).toContain(join(dir, 'gone'));
  });

  it('no restic on PATH → restic_missing with the install hint', async () => {
    const saved = process.env.PATH;
    process.env.PATH = join(dir, 'empty-bin');
    try {
      const err = await failure(resticSnapshots(repo));
      expect(err.code).toBe('restic_missing');
      expect(err.message).toContain('apt-get install restic');
    } finally {
      process.env.PATH = saved;
    }
  });

  it('progress events for 10 000 small files, then the summary', SLOW, async () => {
    await ensureRepo(repo);
    const many = join(dir, 'many');
    for (let d = 0; d < 100; d++) {
      mkdirSync(join(many, `d${d}`), { recursive: true });
      for (let f = 0; f < 100; f++) writeFileSync(join(many, `d${d}`, `f${f}.txt`), `file ${d}/${f}\n`);
    }
    const progress: BackupProgress[] = [];
    const made = await resticBackup(repo, many, {
      host: 'project-many',
      tags: ['many'],
      onProgress: (p) => progress.push(p),
    });
    expect(progress.length).toBeGreaterThan(0);
    for (const p of progress) {
      expect(p.percent).toBeGreaterThanOrEqual(0);
      expect(p.percent).toBeLessThanOrEqual(100);
    }
    expect(made.summary.totalFiles).toBeGreaterThanOrEqual(10_000);

    const restoreProgress: BackupProgress[] = [];
    const target = join(dir, 'many-restored');
    const restored = await resticRestore(repo, made.snapshotId, {
      target,
      onProgress: (p) => restoreProgress.push(p),
    });
    expect(restored.files).toBe(10_000);
    expect(restoreProgress.at(-1)).toMatchObject({ percent: 100, filesDone: 10_000, totalFiles: 10_000 });
  });
});
