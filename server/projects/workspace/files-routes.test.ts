import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listFilesResponseSchema, textFileSchema, uploadResponseSchema } from '../../api/index.js';
import { startTestProject, type TestProject } from './test-support.js';

let p: TestProject;
beforeAll(async () => {
  p = await startTestProject();
});
afterAll(async () => {
  await p.stop();
});

const q = (path: string) => encodeURIComponent(path);
const post = (route: string, body: unknown) =>
  fetch(p.api(route), {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
const errorOf = async (res: Response) =>
  ((await res.json()) as { error: { code: string; field?: string } }).error;

describe('files API', () => {
  it('upload then download gives the same bytes (a few MiB, streamed both ways)', async () => {
    const bytes = randomBytes(5 * 1024 * 1024 + 123);
    // A stream body (not one buffer) so the server sees the upload arrive in chunks.
    const size = 128 * 1024;
    const chunks = Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) =>
      bytes.subarray(i * size, (i + 1) * size),
    );
    const up = await fetch(p.api(`files/upload?path=${q('big.bin')}`), {
      method: 'PUT',
      body: Readable.toWeb(Readable.from(chunks)) as ReadableStream,
      duplex: 'half',
    } as RequestInit);
    expect(up.status).toBe(200);
    expect(uploadResponseSchema.parse(await up.json())).toEqual({ path: 'big.bin', size: bytes.length });

    const down = await fetch(p.api(`files/download?path=${q('big.bin')}`));
    expect(down.status).toBe(200);
    expect(down.headers.get('content-length')).toBe(String(bytes.length));
    expect(down.headers.get('content-disposition')).toContain('attachment');
    const got = Buffer.from(await down.arrayBuffer());
    expect(createHash('sha256').update(got).digest('hex')).toBe(
      createHash('sha256').update(bytes).digest('hex'),
    );
  });

  it('refuses to replace a file on upload unless overwrite=true, and leaves no temporary files', async () => {
    await writeFile(join(p.dir, 'taken.txt'), 'old');
    const refused = await fetch(p.api(`files/upload?path=${q('taken.txt')}`), { method: 'PUT', body: 'new' });
    expect(refused.status).toBe(409);
    expect(await errorOf(refused)).toMatchObject({ code: 'file_exists', field: 'path' });
    expect(await readFile(join(p.dir, 'taken.txt'), 'utf8')).toBe('old');

    const replaced = await fetch(p.api(`files/upload?path=${q('taken.txt')}&overwrite=true`), {
      method: 'PUT',
      body: 'new',
    });
    expect(replaced.status).toBe(200);
    expect(await readFile(join(p.dir, 'taken.txt'), 'utf8')).toBe('new');

    const list = listFilesResponseSchema.parse(await (await fetch(p.api('files'))).json());
    expect(list.entries.filter((e) => e.name.includes('.lp-'))).toEqual([]);
  });

  it('uploads into a missing folder are a 404 (folders are not created on the way)', async () => {
    const res = await fetch(p.api(`files/upload?path=${q('nope/x.txt')}`), { method: 'PUT', body: 'x' });
    expect(res.status).toBe(404);
    expect(await errorOf(res)).toMatchObject({ code: 'not_found', field: 'path' });
  });

  it('download names the file safely for any name', async () => {
    await writeFile(join(p.dir, 'räksmörgås "x".txt'), 'hej');
    const res = await fetch(p.api(`files/download?path=${q('räksmörgås "x".txt')}`));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="r_ksm_rg_s _x_.txt"; filename*=UTF-8''r%C3%A4ksm%C3%B6rg%C3%A5s%20%22x%22.txt`,
    );
    expect(await res.text()).toBe('hej');
  });

  it('lists folders first, then by name, with type, size and mtime', async () => {
    await mkdir(join(p.dir, 'listing/b-dir'), { recursive: true });
    await writeFile(join(p.dir, 'listing/a.txt'), '12345');
    await writeFile(join(p.dir, 'listing/C.txt'), '');
    await symlink('a.txt', join(p.dir, 'listing/link'));
    const res = await fetch(p.api(`files?path=${q('listing')}`));
    const body = listFilesResponseSchema.parse(await res.json());
    expect(body.path).toBe('listing');
    expect(body.entries.map((e) => [e.name, e.type])).toEqual([
      ['b-dir', 'dir'],
      ['a.txt', 'file'],
      ['C.txt', 'file'],
      ['link', 'symlink'],
    ]);
    expect(body.entries[1]?.size).toBe(5);
    expect(Number.isNaN(Date.parse(body.entries[1]?.mtime ?? ''))).toBe(false);

    const root = listFilesResponseSchema.parse(await (await fetch(p.api('files'))).json());
    expect(root.path).toBe('');
    expect(root.entries.some((e) => e.name === 'listing')).toBe(true);
  });

  it('text: get, save with the current mtime, and 409 changed_on_disk with a stale one', async () => {
    await writeFile(join(p.dir, 'notes.md'), '# hi\n');
    const got = textFileSchema.parse(await (await fetch(p.api(`files/text?path=${q('notes.md')}`))).json());
    expect(got).toMatchObject({ path: 'notes.md', content: '# hi\n' });

    const saved = await fetch(p.api('files/text'), {
      method: 'PUT',
      body: JSON.stringify({ path: 'notes.md', content: '# hi\nmore\n', expectedMtime: got.mtime }),
    });
    expect(saved.status).toBe(200);
    const { mtime } = (await saved.json()) as { mtime: string };
    expect(await readFile(join(p.dir, 'notes.md'), 'utf8')).toBe('# hi\nmore\n');

    // Someone else writes the file (a later mtime than the editor knows).
    await writeFile(join(p.dir, 'notes.md'), 'from a terminal\n');
    const later = new Date(Date.parse(mtime) + 5000);
    await utimes(join(p.dir, 'notes.md'), later, later);
    const stale = await fetch(p.api('files/text'), {
      method: 'PUT',
      body: JSON.stringify({ path: 'notes.md', content: 'editor', expectedMtime: mtime }),
    });
    expect(stale.status).toBe(409);
    expect(await errorOf(stale)).toMatchObject({ code: 'changed_on_disk', field: 'expectedMtime' });
    expect(await readFile(join(p.dir, 'notes.md'), 'utf8')).toBe('from a terminal\n');
  });

  it('text keeps the file mode and creates new files without expectedMtime', async () => {
    await writeFile(join(p.dir, 'run.sh'), 'echo 1\n', { mode: 0o755 });
    const res = await fetch(p.api('files/text'), {
      method: 'PUT',
      body: JSON.stringify({ path: 'run.sh', content: 'echo 2\n' }),
    });
    expect(res.status).toBe(200);
    expect((await stat(join(p.dir, 'run.sh'))).mode & 0o777).toBe(0o755);

    const created = await fetch(p.api('files/text'), {
      method: 'PUT',
      body: JSON.stringify({ path: 'fresh.txt', content: 'x' }),
    });
    expect(created.status).toBe(200);
    expect(await readFile(join(p.dir, 'fresh.txt'), 'utf8')).toBe('x');
  });

  it('text refuses binary files (415) and files over 5 MiB (413)', async () => {
    await writeFile(join(p.dir, 'bin.dat'), Buffer.from([1, 2, 0, 3]));
    const bin = await fetch(p.api(`files/text?path=${q('bin.dat')}`));
    expect(bin.status).toBe(415);
    expect((await errorOf(bin)).code).toBe('binary_file');

    await writeFile(join(p.dir, 'latin1.txt'), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]));
    const latin1 = await fetch(p.api(`files/text?path=${q('latin1.txt')}`));
    expect(latin1.status).toBe(415);
    expect((await errorOf(latin1)).code).toBe('not_utf8');

    await writeFile(join(p.dir, 'huge.txt'), Buffer.alloc(5 * 1024 * 1024 + 1, 'a'));
    const huge = await fetch(p.api(`files/text?path=${q('huge.txt')}`));
    expect(huge.status).toBe(413);

    const tooBig = await fetch(p.api('files/text'), {
      method: 'PUT',
      body: JSON.stringify({ path: 'huge2.txt', content: 'a'.repeat(5 * 1024 * 1024 + 1) }),
    });
    expect(tooBig.status).toBe(413);
    expect(await errorOf(tooBig)).toMatchObject({ code: 'file_too_large', field: 'content' });
  });

  it('mkdir, new, rename, delete (recursive), with 409 file_exists for taken names', async () => {
    expect((await post('files/mkdir', { path: 'work' })).status).toBe(200);
    const again = await post('files/mkdir', { path: 'work' });
    expect(again.status).toBe(409);
    expect(await errorOf(again)).toMatchObject({ code: 'file_exists', field: 'path' });

    expect((await post('files/new', { path: 'work/a.py' })).status).toBe(200);
    expect((await stat(join(p.dir, 'work/a.py'))).size).toBe(0);
    expect((await post('files/new', { path: 'work/a.py' })).status).toBe(409);

    expect((await post('files/new', { path: 'work/b.py' })).status).toBe(200);
    const taken = await post('files/rename', { from: 'work/a.py', to: 'work/b.py' });
    expect(taken.status).toBe(409);
    expect(await errorOf(taken)).toMatchObject({ code: 'file_exists', field: 'to' });
    expect((await post('files/rename', { from: 'work/a.py', to: 'work/c.py' })).status).toBe(200);
    await expect(stat(join(p.dir, 'work/c.py'))).resolves.toBeTruthy();

    const missing = await post('files/rename', { from: 'work/zzz', to: 'work/yyy' });
    expect(missing.status).toBe(404);
    expect((await errorOf(missing)).field).toBe('from');

    await mkdir(join(p.dir, 'work/deep/er'), { recursive: true });
    expect((await post('files/delete', { path: 'work' })).status).toBe(200);
    await expect(stat(join(p.dir, 'work'))).rejects.toThrow();
    expect((await post('files/delete', { path: 'work' })).status).toBe(404);
  });

  it('validates bodies with the contract schemas and names the field', async () => {
    const unknown = await post('files/mkdir', { path: 'x', extra: 1 });
    expect(unknown.status).toBe(400);
    expect(await errorOf(unknown)).toMatchObject({ code: 'invalid_request', field: 'extra' });

    const empty = await post('files/rename', { from: 'a', to: '' });
    expect(empty.status).toBe(400);
    expect((await errorOf(empty)).field).toBe('to');

    const notJson = await fetch(p.api('files/new'), { method: 'POST', body: '{nope' });
    expect(notJson.status).toBe(400);
    expect((await errorOf(notJson)).code).toBe('invalid_json');

    const noPath = await fetch(p.api('files/download'));
    expect(noPath.status).toBe(400);
    expect((await errorOf(noPath)).field).toBe('path');

    const wrongMethod = await fetch(p.api('files/mkdir'));
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('POST');
  });

  it('refuses to delete or rename the project directory itself', async () => {
    for (const path of ['.', '', 'a/..']) {
      const res = await post('files/delete', { path: path || '.' });
      expect(res.status).toBe(400);
    }
    expect((await post('files/rename', { from: '.', to: 'elsewhere' })).status).toBe(400);
  });

  it('answers unknown routes with 404 JSON', async () => {
    const res = await fetch(p.api('nothing-here'));
    expect(res.status).toBe(404);
    expect((await errorOf(res)).code).toBe('not_found');
    const other = await fetch(`http://127.0.0.1:${p.server.port}/not-this-project/api/files`);
    expect(other.status).toBe(404);
  });

  it('keeps an aborted upload from leaving anything behind', async () => {
    const url = new URL(p.api(`files/upload?path=${q('aborted.bin')}`));
    await new Promise<void>((resolve) => {
      const req = request(url, { method: 'PUT', headers: { 'content-length': 1_000_000 } });
      req.on('error', () => resolve());
      req.write(Buffer.alloc(1000));
      setTimeout(() => req.destroy(), 200);
    });
    // The server notices the abort asynchronously: give it a moment, then look.
    await new Promise((r) => setTimeout(r, 500));
    const list = listFilesResponseSchema.parse(await (await fetch(p.api('files'))).json());
    expect(list.entries.filter((e) => e.name.includes('aborted'))).toEqual([]);
  });
});
