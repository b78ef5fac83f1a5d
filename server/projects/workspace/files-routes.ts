import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { createWriteStream } from 'node:fs';
import {
  chmod,
  type FileHandle,
  link,
  lstat,
  mkdir,
  open,
  readdir,
  rename,
  rm,
  stat,
  unlink,
  writeFile,
} from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Logger } from 'pino';
import {
  type FileEntry,
  type ListFilesResponse,
  pathRequestSchema,
  renameRequestSchema,
  saveTextRequestSchema,
  type TextFile,
  type UploadResponse,
} from '../../api/index.js';
import { ApiError } from '../../http/errors.js';
import type { ProjectPath, ProjectPaths } from './paths.js';
import { fsError, readJsonBody, sendJson } from './respond.js';

/**
 * Read size of a download: up to 1 MiB instead of the stream default of 64 KiB cuts the
 * per-chunk work (a read on the thread pool, a write, the stream machinery) 16-fold on large
 * files. Never more than the file: each read allocates a buffer of this size, and a megabyte per
 * small file would make the garbage collector run every few dozen requests.
 */
function downloadChunk(size: number): number {
  return Math.min(1024 * 1024, Math.max(16 * 1024, size));
}

/** The editor's limit: larger files are downloaded, not edited. */
export const TEXT_LIMIT = 5 * 1024 * 1024;
/** Bytes inspected for a NUL to call a file binary (what git and most editors do). */
const BINARY_SNIFF = 8 * 1024;
/** JSON escaping can grow text up to 6× (\u0000); the content itself is held to TEXT_LIMIT after parsing. */
const SAVE_BODY_LIMIT = 6 * TEXT_LIMIT + 64 * 1024;
const SMALL_BODY_LIMIT = 64 * 1024;

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  query: URLSearchParams;
}
export type Handler = (ctx: RouteContext) => Promise<void>;
/** Route path (after `/<id>/api/`) → method → handler; a known path with another method is a 405. */
export type Routes = Record<string, Record<string, Handler>>;

const iso = (st: Stats) => st.mtime.toISOString();

function entryType(st: Stats): FileEntry['type'] {
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isDirectory()) return 'dir';
  if (st.isFile()) return 'file';
  return 'other';
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const byName = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/** `attachment` with an ASCII fallback and the exact UTF-8 name (RFC 6266 / 5987). */
export function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

function requiredQuery(query: URLSearchParams, name: string): string {
  const value = query.get(name);
  if (value === null || value === '')
    throw new ApiError(400, 'invalid_request', `${name}: the query parameter is required`, name);
  return value;
}

/** lstat that answers null for a name that does not exist. */
async function lstatOrNull(abs: string): Promise<Stats | null> {
  try {
    return await lstat(abs);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Writes never create folders on the way: a missing parent is a 404 naming it. */
async function requireParentDir(p: ProjectPath, field: string): Promise<void> {
  const parentRel = dirname(p.rel) === '.' ? '' : dirname(p.rel);
  const st = await stat(dirname(p.abs)).catch(() => null);
  if (!st?.isDirectory())
    throw new ApiError(
      404,
      'not_found',
      `${field}: the folder ${JSON.stringify(parentRel || '.')} does not exist`,
      field,
    );
}

/** A hidden temporary name next to `abs`, so the final rename stays on one file system (atomic). */
/** Opens a project file for reading; refuses anything but a regular file. The caller closes the handle. */
async function openRegularFile(file: ProjectPath): Promise<{ handle: FileHandle; st: Stats }> {
  let handle: FileHandle;
  try {
    handle = await open(file.abs, 'r');
  } catch (err) {
    throw fsError(err, 'path', file.rel);
  }
  const st = await handle.stat();
  if (!st.isFile()) {
    await handle.close();
    throw new ApiError(400, 'not_a_file', `path ${JSON.stringify(file.rel || '.')} is not a file`, 'path');
  }
  return { handle, st };
}

const tempNameFor = (abs: string, kind: string) =>
  join(dirname(abs), `.${basename(abs)}.lp-${kind}-${randomBytes(6).toString('hex')}`);

async function removeTemp(tmp: string, log: Logger): Promise<void> {
  try {
    await unlink(tmp);
  } catch (err) {
    // Already gone (never created, or renamed into place) is the usual case; anything else is worth a line.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      log.warn({ err, tmp }, 'cannot remove temporary file');
  }
}

/** Moves a finished temporary file to `abs` without replacing anything (link fails when taken). */
async function placeWithoutReplacing(tmp: string, abs: string): Promise<void> {
  try {
    await link(tmp, abs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // Some file systems (FAT, some FUSE mounts) have no hard links: check, then rename (racy, but rare there).
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err;
    if (await lstatOrNull(abs)) throw Object.assign(new Error('exists'), { code: 'EEXIST' });
    await rename(tmp, abs);
  }
}

export function filesRoutes(paths: ProjectPaths, log: Logger): Routes {
  const list: Handler = async ({ res, query }) => {
    const dir = await paths.resolve(query.get('path') ?? '', 'path');
    let names: string[];
    try {
      names = (await readdir(dir.abs, { withFileTypes: true })).map((d) => d.name);
    } catch (err) {
      throw fsError(err, 'path', dir.rel);
    }
    const found = await Promise.all(
      names.map(async (name): Promise<FileEntry | null> => {
        // An entry removed between readdir and lstat is simply not listed.
        const st = await lstatOrNull(join(dir.abs, name));
        return st ? { name, type: entryType(st), size: st.size, mtime: iso(st) } : null;
      }),
    );
    const entries = found
      .filter((e): e is FileEntry => e !== null)
      .sort((a, b) => {
        if ((a.type === 'dir') !== (b.type === 'dir')) return a.type === 'dir' ? -1 : 1;
        return byName.compare(a.name, b.name) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
      });
    sendJson(res, 200, { path: dir.rel, entries } satisfies ListFilesResponse);
  };

  const download: Handler = async ({ req, res, query }) => {
    const file = await paths.resolve(requiredQuery(query, 'path'), 'path');
    const { handle, st } = await openRegularFile(file);
    try {
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': st.size,
        'content-disposition': contentDisposition(basename(file.rel)),
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        'last-modified': st.mtime.toUTCString(),
      });
      if (req.method === 'HEAD') {
        res.end();
        return;
      }
      // The stream owns the handle from here (autoClose), also when the client goes away.
      await pipeline(
        handle.createReadStream({ autoClose: true, highWaterMark: downloadChunk(st.size) }),
        res,
      );
    } finally {
      await handle.close().catch((err: unknown) => log.debug({ err }, 'download handle already closed'));
    }
  };

  const upload: Handler = async ({ req, res, query }) => {
    const overwrite = query.get('overwrite') === 'true';
    const target = await paths.resolve(requiredQuery(query, 'path'), 'path');
    if (target.rel === '') throw new ApiError(400, 'invalid_path', 'path must name a file', 'path');
    await requireParentDir(target, 'path');
    const existing = await lstatOrNull(target.abs);
    if (existing?.isDirectory())
      throw new ApiError(409, 'file_exists', `path ${JSON.stringify(target.rel)} is a folder`, 'path');
    if (existing && !overwrite)
      throw new ApiError(409, 'file_exists', `path ${JSON.stringify(target.rel)} already exists`, 'path');
    const tmp = tempNameFor(target.abs, 'upload');
    try {
      await pipeline(req, createWriteStream(tmp, { flags: 'wx' }));
      const { size } = await stat(tmp);
      if (overwrite) await rename(tmp, target.abs);
      else await placeWithoutReplacing(tmp, target.abs);
      sendJson(res, 200, { path: target.rel, size } satisfies UploadResponse);
    } catch (err) {
      throw fsError(err, 'path', target.rel);
    } finally {
      await removeTemp(tmp, log);
    }
  };

  const readText: Handler = async ({ res, query }) => {
    const file = await paths.resolve(requiredQuery(query, 'path'), 'path');
    const { handle, st } = await openRegularFile(file);
    try {
      if (st.size > TEXT_LIMIT)
        throw new ApiError(
          413,
          'file_too_large',
          `the file is larger than ${TEXT_LIMIT / 1024 / 1024} MiB`,
          'path',
        );
      const bytes = await handle.readFile();
      if (bytes.subarray(0, BINARY_SNIFF).includes(0))
        throw new ApiError(415, 'binary_file', 'the file is binary; download it instead', 'path');
      let content: string;
      try {
        content = strictUtf8.decode(bytes);
      } catch {
        // Decoding Latin-1 (or anything else) as UTF-8 would replace characters, and saving would
        // write the replacements back: such a file is not the editor's to touch.
        throw new ApiError(415, 'not_utf8', 'the file is not UTF-8 text; download it instead', 'path');
      }
      sendJson(res, 200, { path: file.rel, content, mtime: iso(st) } satisfies TextFile);
    } finally {
      await handle.close();
    }
  };

  const saveText: Handler = async ({ req, res }) => {
    const body = saveTextRequestSchema.parse(await readJsonBody(req, SAVE_BODY_LIMIT));
    if (Buffer.byteLength(body.content, 'utf8') > TEXT_LIMIT)
      throw new ApiError(
        413,
        'file_too_large',
        `content is larger than ${TEXT_LIMIT / 1024 / 1024} MiB`,
        'content',
      );
    const file = await paths.resolve(body.path, 'path');
    if (file.rel === '') throw new ApiError(400, 'invalid_path', 'path must name a file', 'path');
    await requireParentDir(file, 'path');
    const current = await stat(file.abs).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return null;
      throw fsError(err, 'path', file.rel);
    });
    if (current && !current.isFile())
      throw new ApiError(400, 'not_a_file', `path ${JSON.stringify(file.rel)} is not a file`, 'path');
    if (body.expectedMtime !== undefined && (current ? iso(current) : null) !== body.expectedMtime) {
      const now = current ? `it was modified at ${iso(current)}` : 'it was deleted';
      throw new ApiError(
        409,
        'changed_on_disk',
        `the file changed on disk since it was opened (${now})`,
        'expectedMtime',
      );
    }
    // Write beside and rename: a crash or a full disk never leaves half a file; the mode is kept.
    const tmp = tempNameFor(file.abs, 'save');
    try {
      await writeFile(tmp, body.content, { flag: 'wx' });
      // writeFile's mode is cut by the umask; chmod gives the replaced file's mode back exactly.
      if (current) await chmod(tmp, current.mode & 0o7777);
      await rename(tmp, file.abs);
    } catch (err) {
      throw fsError(err, 'path', file.rel);
    } finally {
      await removeTemp(tmp, log);
    }
    const st = await stat(file.abs);
    sendJson(res, 200, { path: file.rel, mtime: iso(st) });
  };

  const makeDir: Handler = async ({ req, res }) => {
    const body = pathRequestSchema.parse(await readJsonBody(req, SMALL_BODY_LIMIT));
    const dir = await paths.entry(body.path, 'path');
    await requireParentDir(dir, 'path');
    try {
      await mkdir(dir.abs);
    } catch (err) {
      throw fsError(err, 'path', dir.rel);
    }
    sendJson(res, 200, { ok: true });
  };

  const newFile: Handler = async ({ req, res }) => {
    const body = pathRequestSchema.parse(await readJsonBody(req, SMALL_BODY_LIMIT));
    const file = await paths.entry(body.path, 'path');
    await requireParentDir(file, 'path');
    try {
      await (await open(file.abs, 'wx')).close();
    } catch (err) {
      throw fsError(err, 'path', file.rel);
    }
    sendJson(res, 200, { ok: true });
  };

  const renameEntry: Handler = async ({ req, res }) => {
    const body = renameRequestSchema.parse(await readJsonBody(req, SMALL_BODY_LIMIT));
    const from = await paths.entry(body.from, 'from');
    const to = await paths.entry(body.to, 'to');
    if (!(await lstatOrNull(from.abs)))
      throw fsError(Object.assign(new Error(), { code: 'ENOENT' }), 'from', from.rel);
    await requireParentDir(to, 'to');
    // rename(2) silently replaces files: refuse a taken name instead (the UI asks first).
    if (await lstatOrNull(to.abs))
      throw new ApiError(409, 'file_exists', `to ${JSON.stringify(to.rel)} already exists`, 'to');
    try {
      await rename(from.abs, to.abs);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw code === 'EEXIST' || code === 'ENOTEMPTY'
        ? fsError(err, 'to', to.rel)
        : fsError(err, 'from', from.rel);
    }
    sendJson(res, 200, { ok: true });
  };

  const remove: Handler = async ({ req, res }) => {
    const body = pathRequestSchema.parse(await readJsonBody(req, SMALL_BODY_LIMIT));
    const target = await paths.entry(body.path, 'path');
    try {
      await lstat(target.abs);
      // recursive: a folder goes with everything in it; a symlink is removed, never followed.
      await rm(target.abs, { recursive: true });
    } catch (err) {
      throw fsError(err, 'path', target.rel);
    }
    sendJson(res, 200, { ok: true });
  };

  return {
    files: { GET: list, HEAD: list },
    'files/download': { GET: download, HEAD: download },
    'files/upload': { PUT: upload },
    'files/text': { GET: readText, PUT: saveText },
    'files/mkdir': { POST: makeDir },
    'files/new': { POST: newFile },
    'files/rename': { POST: renameEntry },
    'files/delete': { POST: remove },
  };
}
