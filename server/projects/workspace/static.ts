import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ApiError } from '../../http/errors.js';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.wasm': 'application/wasm',
};

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Workspace not built</title></head>
<body style="font-family: system-ui, sans-serif; margin: 3rem; max-width: 40rem">
<h1>The workspace UI is not built</h1>
<p>This project server is running, but it found no <code>workspace.html</code> in its renderer
folder. Run <code>npm run build</code> and reload this page.</p>
</body></html>
`;

const notFound = () => new ApiError(404, 'not_found', 'no such asset');

/** The workspace page and the renderer's assets, straight from the Vite build output. */
export class StaticFiles {
  constructor(private readonly rendererDir: string) {}

  async workspacePage(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let html: Buffer | string;
    try {
      html = await readFile(join(this.rendererDir, 'workspace.html'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      html = NOT_BUILT;
    }
    res.writeHead(200, {
      'content-type': MIME['.html'] as string,
      'content-length': Buffer.byteLength(html),
      // The page names hashed assets: it must be fetched again after every build.
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
    });
    res.end(req.method === 'HEAD' ? undefined : html);
  }

  /** The page links `/favicon.svg` at the root (the hub serves it too; this is for direct access). */
  async favicon(req: IncomingMessage, res: ServerResponse): Promise<void> {
    await this.file(req, res, join(this.rendererDir, 'favicon.svg'), 'no-cache');
  }

  /** `encodedPath` is what follows `/assets/` in the URL, still percent-encoded. */
  async asset(req: IncomingMessage, res: ServerResponse, encodedPath: string): Promise<void> {
    let rel: string;
    try {
      rel = decodeURIComponent(encodedPath);
    } catch {
      // Broken percent-encoding names no file we have.
      throw notFound();
    }
    const norm = posix.normalize(rel);
    if (
      rel === '' ||
      rel.includes('\0') ||
      rel.includes('\\') ||
      norm.startsWith('..') ||
      norm.startsWith('/')
    )
      throw notFound();
    // Vite puts a content hash in every asset name: a name never changes its bytes.
    await this.file(req, res, join(this.rendererDir, 'assets', norm), 'public, max-age=31536000, immutable');
  }

  private async file(
    req: IncomingMessage,
    res: ServerResponse,
    abs: string,
    cacheControl: string,
  ): Promise<void> {
    const st = await stat(abs).catch(() => null);
    if (!st?.isFile()) throw notFound();
    res.writeHead(200, {
      'content-type': MIME[extname(abs).toLowerCase()] ?? 'application/octet-stream',
      'content-length': st.size,
      'cache-control': cacheControl,
      'x-content-type-options': 'nosniff',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    await pipeline(createReadStream(abs), res);
  }
}
