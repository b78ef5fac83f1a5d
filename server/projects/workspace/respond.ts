import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { ZodError } from 'zod';
import { ApiError, fromZodError } from '../../http/errors.js';

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  res.end(text);
}

/** File system errors the API explains (anything else is a 500 and goes to the log). */
const ERRNO: Record<string, { status: number; code: string; what: string }> = {
  ENOENT: { status: 404, code: 'not_found', what: 'does not exist' },
  EEXIST: { status: 409, code: 'file_exists', what: 'already exists' },
  ENOTEMPTY: { status: 409, code: 'file_exists', what: 'already exists and is not empty' },
  ENOTDIR: { status: 400, code: 'not_a_directory', what: 'is not a directory' },
  EISDIR: { status: 400, code: 'is_a_directory', what: 'is a directory' },
  EACCES: { status: 403, code: 'permission_denied', what: 'is not accessible (permission denied)' },
  EPERM: { status: 403, code: 'permission_denied', what: 'is not accessible (operation not permitted)' },
  EINVAL: {
    status: 400,
    code: 'invalid_path',
    what: 'cannot be used for this (for example a folder moved into itself)',
  },
  ENAMETOOLONG: { status: 400, code: 'invalid_path', what: 'is too long' },
  ELOOP: { status: 400, code: 'invalid_path', what: 'has too many symlinks' },
  ENOSPC: { status: 507, code: 'no_space', what: 'cannot be written: the disk is full' },
  EDQUOT: { status: 507, code: 'no_space', what: 'cannot be written: the disk quota is exceeded' },
};

/** An fs error about the path in `field` (its API spelling `rel`) as an ApiError, when it is one we explain. */
export function fsError(err: unknown, field: string, rel: string): unknown {
  const known = ERRNO[(err as NodeJS.ErrnoException | null)?.code ?? ''];
  if (!known) return err;
  return new ApiError(
    known.status,
    known.code,
    `${field} ${JSON.stringify(rel || '.')} ${known.what}`,
    field,
  );
}

/** Answers any thrown error in the hub's error shape: ApiError as is, zod as 400, the rest as 500. */
export function sendError(res: ServerResponse, err: unknown, log: Logger, req?: IncomingMessage) {
  const api = err instanceof ApiError ? err : err instanceof ZodError ? fromZodError(err) : null;
  if (res.destroyed) {
    // The client went away (an aborted upload or download): nobody to answer, nothing broken.
    log.debug({ err, path: req?.url?.split('?')[0] }, 'client left before the answer');
    return;
  }
  if (res.headersSent) {
    // Half a body cannot be turned into an error answer: cut the connection so the client sees it.
    log.warn({ err, path: req?.url?.split('?')[0] }, 'error after the response started');
    res.destroy();
    return;
  }
  if (api) {
    sendJson(res, api.status, api.body(), api.headers);
    return;
  }
  log.error({ err, method: req?.method, path: req?.url?.split('?')[0] }, 'request failed');
  sendJson(res, 500, { error: { code: 'internal', message: 'internal error (see the project log)' } });
}

/** Refuses an upgrade with a plain HTTP answer on the raw socket (ws and the proxy never see it). */
export function rejectUpgrade(socket: Duplex, status: number, code: string, message: string) {
  const body = JSON.stringify({ error: { code, message } });
  const reason =
    { 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 502: 'Bad Gateway' }[status] ?? 'Error';
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/** Reads a JSON request body of at most `limit` bytes. */
export async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, 'invalid_json', 'the request body is not valid JSON');
  }
}

/** The rest of the body is not read, so the connection cannot be reused: close it with the answer. */
export const tooLarge = (limit: number) =>
  new ApiError(
    413,
    'body_too_large',
    `the request body is larger than ${Math.round(limit / 1024)} KiB`,
    undefined,
    { connection: 'close' },
  );
