import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { Logger } from '../log/index.js';
import { CONTROL_PREFIX, type HostProjectStatus, startProjectRequestSchema } from '../projects/index.js';
import { BodyError, checkProjectId, readJsonBody, sendError, sendJson } from './http-reply.js';

/** What the host service needs of the project runtime (ProjectRuntime satisfies it). */
export interface HostRuntime {
  start(id: string, name: string): Promise<HostProjectStatus>;
  stop(id: string): Promise<HostProjectStatus>;
  delete(id: string, opts: { files: boolean }): Promise<HostProjectStatus>;
  list(): HostProjectStatus[];
  /** Where a running project listens and the token it requires; null when it does not run here. */
  portOf(id: string): { port: number; token: string; socketPath?: string } | null;
}

const deleteQuerySchema = z.object({ files: z.enum(['true', 'false']).default('false') }).strict();

export function isControlPath(pathname: string): boolean {
  return pathname === CONTROL_PREFIX || pathname.startsWith(`${CONTROL_PREFIX}/`);
}

function zodError(res: ServerResponse, error: z.ZodError): void {
  const issue = error.issues[0];
  const field = issue?.path.length ? issue.path.join('.') : undefined;
  sendError(res, 400, {
    code: 'invalid_request',
    message: field ? `${field}: ${issue?.message}` : (issue?.message ?? 'invalid request'),
    ...(field ? { field } : {}),
  });
}

/**
 * The hub → host control API (server/projects/control-contract.ts), for requests whose signature
 * was already checked. `signedProject` is the signature's project: when set, it must be the
 * project acted on, so a signature made for one project cannot start or delete another.
 */
export async function handleControl(
  req: IncomingMessage,
  res: ServerResponse,
  runtime: HostRuntime,
  signedProject: string | null,
  log: Logger,
): Promise<void> {
  const method = req.method ?? 'GET';
  const url = new URL(req.url ?? '/', 'http://host');
  const rest = url.pathname.slice(CONTROL_PREFIX.length);
  const notAllowed = () =>
    sendError(res, 405, {
      code: 'method_not_allowed',
      message: `${method} is not allowed on ${url.pathname}`,
    });

  if (rest === '' || rest === '/') {
    if (method !== 'GET') return notAllowed();
    return sendJson(res, 200, { projects: runtime.list() });
  }
  const m = /^\/([^/]+)(?:\/(start|stop))?$/.exec(rest);
  if (!m) return sendError(res, 404, { code: 'not_found', message: `no route ${method} ${url.pathname}` });
  const id = m[1] as string;
  const action = m[2];
  if (!checkProjectId(res, id, signedProject)) return;

  try {
    if (action === 'start') {
      if (method !== 'POST') return notAllowed();
      const body = startProjectRequestSchema.safeParse(await readJsonBody(req));
      if (!body.success) return zodError(res, body.error);
      return sendJson(res, 200, await runtime.start(id, body.data.name));
    }
    if (action === 'stop') {
      if (method !== 'POST') return notAllowed();
      return sendJson(res, 200, await runtime.stop(id));
    }
    if (method !== 'DELETE') return notAllowed();
    const query = deleteQuerySchema.safeParse(Object.fromEntries(url.searchParams));
    if (!query.success) return zodError(res, query.error);
    return sendJson(res, 200, await runtime.delete(id, { files: query.data.files === 'true' }));
  } catch (err) {
    if (err instanceof BodyError) return sendError(res, err.status, { code: err.code, message: err.message });
    log.error(
      { err, project: id, method, action: action ?? 'delete' },
      'host service: project control failed',
    );
    if (res.headersSent) {
      res.destroy();
      return;
    }
    return sendError(res, 500, {
      code: 'internal',
      message: `the host could not do that: ${(err as Error).message}`,
    });
  }
}
