import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { PROJECT_ID_RE } from '../api/index.js';

/** The hub's error shape: `{ error: { code, message, field? } }`. */
export interface ErrorBody {
  code: string;
  message: string;
  field?: string;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

export function sendError(res: ServerResponse, status: number, error: ErrorBody): void {
  sendJson(res, status, { error });
}

/**
 * Answers an upgrade request that will not be proxied: a raw HTTP/1.1 response on the socket
 * (there is no ServerResponse for upgrades), then the socket is closed.
 */
export function refuseUpgrade(socket: Duplex, status: number, error: ErrorBody): void {
  if (socket.destroyed) return;
  const text = JSON.stringify({ error });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
      'content-type: application/json; charset=utf-8\r\n' +
      `content-length: ${Buffer.byteLength(text)}\r\n` +
      'connection: close\r\n\r\n' +
      text,
  );
}

/**
 * Refuses (and answers) a control request whose project id is not a uuid, or was signed for
 * another project; true when the request may go on.
 */
export function checkProjectId(res: ServerResponse, id: string, signedProject: string | null): boolean {
  if (!PROJECT_ID_RE.test(id)) {
    sendError(res, 400, { code: 'invalid_project_id', message: 'not a project id (a uuid)', field: 'id' });
    return false;
  }
  if (signedProject !== null && signedProject !== id) {
    sendError(res, 403, { code: 'project_mismatch', message: 'the signature was made for another project' });
    return false;
  }
  return true;
}

export class BodyError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Reads a small JSON body (control requests); an empty body reads as `{}`. */
export function readJsonBody(req: IncomingMessage, limit = 64 * 1024): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // Over the limit the rest is drained, not kept: destroying the request would also take the
    // socket, and with it the 413 that says why.
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('error', reject);
    req.on('end', () => {
      if (size > limit) {
        reject(new BodyError(413, 'body_too_large', `the request body is over ${limit} bytes`));
        return;
      }
      const text = Buffer.concat(chunks).toString('utf8');
      if (!text.trim()) {
        resolve({});
        return;
      }
      try {
        resolve(JSON.parse(text));
      } catch (err) {
        reject(new BodyError(400, 'invalid_json', `the request body is not JSON: ${(err as Error).message}`));
      }
    });
  });
}
