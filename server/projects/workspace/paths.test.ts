import { mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestProject, type TestProject } from './test-support.js';

let p: TestProject;
let outsideDir: string;
beforeAll(async () => {
  p = await startTestProject();
  // A secret next to the project, and links inside the project that point at it.
  outsideDir = join(p.sandbox, 'outside');
  await mkdir(outsideDir);
  await writeFile(join(outsideDir, 'secret.txt'), 'top secret');
  await symlink(outsideDir, join(p.dir, 'escape-dir'));
  await symlink(join(outsideDir, 'secret.txt'), join(p.dir, 'escape-file'));
  await symlink(join(outsideDir, 'not-yet.txt'), join(p.dir, 'dangling-out'));
  await mkdir(join(p.dir, 'inner'));
  await writeFile(join(p.dir, 'inner/ok.txt'), 'fine');
  await symlink('inner', join(p.dir, 'inner-link'));
});
afterAll(async () => {
  await p.stop();
});

const get = (route: string, rawQuery: string) => fetch(`${p.api(route)}?path=${rawQuery}`);
const post = (route: string, body: unknown) =>
  fetch(p.api(route), { method: 'POST', body: JSON.stringify(body) });
async function expectOutside(res: Response, field = 'path') {
  expect(res.status).toBe(400);
  expect(await res.json()).toMatchObject({ error: { code: 'path_outside_project', field } });
}

describe('path confinement', () => {
  it('refuses ../ in every spelling, and absolute paths', async () => {
    for (const raw of [
      '..',
      '../',
      '..%2f',
      '..%2Fsandbox',
      'inner%2f..%2f..%2foutside',
      '%2e%2e%2foutside',
      '%2fetc',
      '%2Fetc%2Fpasswd',
    ]) {
      await expectOutside(await get('files', raw));
      await expectOutside(await get('files/download', raw === '..' ? '..%2foutside%2fsecret.txt' : raw));
      await expectOutside(await get('files/text', raw));
    }
  });

  it('allows .. that stays inside', async () => {
    const res = await get('files/text', encodeURIComponent('inner/../inner/ok.txt'));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ path: 'inner/ok.txt', content: 'fine' });
  });

  it('refuses symlinks whose target is outside, for reads and writes', async () => {
    await expectOutside(await get('files', 'escape-dir'));
    await expectOutside(await get('files/download', 'escape-dir%2Fsecret.txt'));
    await expectOutside(await get('files/download', 'escape-file'));
    await expectOutside(await get('files/text', 'escape-file'));
    await expectOutside(
      await fetch(p.api('files/upload?path=escape-dir%2Fplanted.txt'), { method: 'PUT', body: 'x' }),
    );
    await expectOutside(
      await fetch(p.api('files/text'), {
        method: 'PUT',
        body: JSON.stringify({ path: 'escape-file', content: 'x' }),
      }),
    );
    await expectOutside(await post('files/mkdir', { path: 'escape-dir/new' }));
    await expectOutside(await post('files/new', { path: 'escape-dir/new.txt' }));
    await expectOutside(
      await post('files/rename', { from: 'inner/ok.txt', to: 'escape-dir/stolen.txt' }),
      'to',
    );
    await expectOutside(
      await post('files/rename', { from: 'escape-dir/secret.txt', to: 'mine.txt' }),
      'from',
    );
    await expectOutside(await post('files/delete', { path: 'escape-dir/secret.txt' }));
    expect(await readFile(join(outsideDir, 'secret.txt'), 'utf8')).toBe('top secret');
  });

  it('refuses writing through a dangling symlink that points outside', async () => {
    await expectOutside(
      await fetch(p.api('files/text'), {
        method: 'PUT',
        body: JSON.stringify({ path: 'dangling-out', content: 'x' }),
      }),
    );
    await expect(stat(join(outsideDir, 'not-yet.txt'))).rejects.toThrow();
  });

  it('follows symlinks that stay inside the project', async () => {
    const res = await get('files/text', 'inner-link%2Fok.txt');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ content: 'fine' });
  });

  it('deletes a symlink that points outside without touching its target', async () => {
    await symlink(outsideDir, join(p.dir, 'to-remove'));
    const res = await post('files/delete', { path: 'to-remove' });
    expect(res.status).toBe(200);
    expect(await readFile(join(outsideDir, 'secret.txt'), 'utf8')).toBe('top secret');
  });

  it('refuses NUL bytes', async () => {
    const res = await get('files', 'a%00b');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'invalid_path', field: 'path' } });
  });
});
