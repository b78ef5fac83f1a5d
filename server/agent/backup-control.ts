import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log/index.js';
import {
  type BackupEvent,
  CONTROL_PREFIX,
  type HostRestoreRequest,
  hostRestoreRequestSchema,
} from '../projects/index.js';
import { BodyError, checkProjectId, readJsonBody, sendError } from './http-reply.js';

/**
 * What the host service needs to back up and restore projects (HostBackups in server/backups
 * satisfies it). `backup` and `restore` never reject: they report through `onEvent`, ending with
 * exactly one `done` or `error` event.
 */
export interface HostBackupControl {
  /** The directory of project `id` on this host. */
  projectDir(id: string): string;
  /** The operation running for the project, if any (checked before a new one starts). */
  busy(projectId: string): { kind: 'backup' | 'restore'; since: string } | null;
  /** A relative path inside the project, normalised; throws an Error whose message says why not. */
  checkPath(path: string): string;
  backup(
    projectId: string,
    projectDir: string,
    onEvent: (e: BackupEvent) => void,
    signal?: AbortSignal,
  ): Promise<void>;
  restore(
    projectId: string,
    projectDir: string,
    req: HostRestoreRequest,
    onEvent: (e: BackupEvent) => void,
    signal?: AbortSignal,
  ): Promise<void>;
}

const ROUTE_RE = new RegExp(`^${CONTROL_PREFIX}/([^/]+)/(backup|restore)$`);

/** True for `/_lp/projects/<id>/backup` and `/_lp/projects/<id>/restore`. */
export function isBackupPath(pathname: string): boolean {
  return ROUTE_RE.test(pathname);
}

/**
 * POST /_lp/projects/<id>/backup|restore (server/projects/control-contract.ts): answers 200 with
 * an NDJSON stream of BackupEvent, one line per event written as it happens. Refusals come before
 * the stream, as plain JSON errors: 404 project_not_found, 409 backup_running, 400 for a bad body.
 * A hub that goes away mid-stream aborts the operation (restic gets SIGINT and drops its lock):
 * nobody would learn how it ended, and the project would stay busy.
 */
export async function handleBackupControl(
  req: IncomingMessage,
  res: ServerResponse,
  backups: HostBackupControl,
  signedProject: string | null,
  log: Logger,
): Promise<void> {
  const pathname = (req.url ?? '/').split('?')[0] as string;
  const [, id, action] = ROUTE_RE.exec(pathname) as unknown as [string, string, 'backup' | 'restore'];
  if (req.method !== 'POST')
    return sendError(res, 405, {
      code: 'method_not_allowed',
      message: `${req.method} is not allowed on ${pathname}`,
    });
  if (!checkProjectId(res, id, signedProject)) return;

  let body: unknown;
  try {
    body = await readJsonBody(req);
  } catch (err) {
    if (err instanceof BodyError) return sendError(res, err.status, { code: err.code, message: err.message });
    throw err;
  }
  let restoreReq: HostRestoreRequest | null = null;
  if (action === 'restore') {
    const parsed = hostRestoreRequestSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.join('.') || undefined;
      return sendError(res, 400, {
        code: 'invalid_request',
        message: field ? `${field}: ${issue?.message}` : (issue?.message ?? 'invalid request'),
        ...(field ? { field } : {}),
      });
    }
    restoreReq = parsed.data;
    if (restoreReq.path !== undefined) {
      try {
        restoreReq = { ...restoreReq, path: backups.checkPath(restoreReq.path) };
      } catch (err) {
        return sendError(res, 400, { code: 'invalid_path', message: (err as Error).message, field: 'path' });
      }
    }
  }

  const dir = backups.projectDir(id);
  if (!existsSync(dir))
    return sendError(res, 404, {
      code: 'project_not_found',
      message: `project ${id} has no files on this host (${dir} does not exist)`,
    });
  const busy = backups.busy(id);
  if (busy)
    return sendError(res, 409, {
      code: 'backup_running',
      message: `a ${busy.kind} of this project is running since ${busy.since}; try again when it is done`,
    });

  res.writeHead(200, {
    'content-type': 'application/x-ndjson',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.flushHeaders();
  const abort = new AbortController();
  let ended = false;
  res.once('close', () => {
    if (!ended) abort.abort(new Error('the hub closed the connection'));
  });
  const onEvent = (e: BackupEvent) => {
    if (ended || res.destroyed) return;
    res.write(`${JSON.stringify(e)}\n`);
    if (e.type === 'done' || e.type === 'error') {
      ended = true;
      res.end();
    }
  };
  // Called synchronously up to its first await, so the project is marked busy before we return.
  const op =
    action === 'backup'
      ? backups.backup(id, dir, onEvent, abort.signal)
      : backups.restore(id, dir, restoreReq as HostRestoreRequest, onEvent, abort.signal);
  await op.catch((err: Error) => {
    // HostBackupControl reports through events; a throw is a bug, but the stream still needs its end.
    log.error({ err, project: id, action }, 'host service: backup control failed');
    onEvent({ type: 'error', code: 'internal', message: `the host could not ${action}: ${err.message}` });
  });
  if (!ended && !res.destroyed) {
    log.error({ project: id, action }, 'host service: backup control ended without done or error');
    onEvent({ type: 'error', code: 'internal', message: `the host's ${action} ended without a result` });
  }
}
