import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { PROJECT_ID_RE } from '../api/index.js';
import { SIGNATURE_HEADER, type SignatureCheck, SignatureVerifier } from '../hosts/index.js';
import type { Logger } from '../log/index.js';
import { type HostBackupControl, handleBackupControl, isBackupPath } from './backup-control.js';
import { type ErrorBody, refuseUpgrade, sendError, sendJson } from './http-reply.js';
import { type HostRuntime, handleControl, isControlPath } from './project-control.js';
import { createProjectProxy, type ProjectTarget } from './project-proxy.js';
import { acceptTunnelChannel } from './tunnel-splice.js';

export type { HostRuntime } from './project-control.js';

export interface HostServiceOptions {
  /** 0 picks a free port. Always bound on 127.0.0.1: only the tunnel (or the hub's machine) reaches it. */
  port: number;
  hostId: string;
  serviceSecret: string;
  version: string;
  logger: Logger;
  /** The projects this host runs; without it only /healthz is served. */
  runtime?: HostRuntime;
  /** Backups and restores of this host's projects (`/_lp/projects/<id>/backup|restore`). */
  backups?: HostBackupControl;
}

export interface HostService {
  /** The bound port. */
  readonly port: number;
  /**
   * Serves HTTP on a stream that is not one of the port's TCP connections (a tunnel channel
   * handed over in-process): it needs net.Socket's setTimeout/setNoDelay/setKeepAlive/destroySoon.
   * A channel that opens with the hub's signed splice line goes straight to that project's server
   * instead (agent/tunnel-splice.ts).
   */
  accept(socket: Duplex): void;
  close(): Promise<void>;
}

/** The service port's default: COCALC_HOST_SERVICE_PORT / --service-port change it. */
export const DEFAULT_SERVICE_PORT = 9002;

type Verified = Extract<SignatureCheck, { ok: true }>;
type Refusal = { status: number; error: ErrorBody };

/**
 * Which project a request (or upgrade) is for: `/<uuid>/…` names it in the path, `/conat…` is
 * the signed project's. Null when the path is neither.
 */
function projectOfPath(pathname: string, check: Verified): { id: string } | Refusal | null {
  const first = /^\/([^/]+)/.exec(pathname)?.[1];
  if (first !== undefined && PROJECT_ID_RE.test(first)) {
    // The hub signs the project it routed to; one signed for another project is not honoured.
    if (check.projectId !== null && check.projectId !== first)
      return {
        status: 403,
        error: { code: 'project_mismatch', message: 'the signature was made for another project' },
      };
    return { id: first };
  }
  if (pathname === '/conat' || pathname.startsWith('/conat/')) {
    if (check.projectId === null)
      return {
        status: 400,
        error: { code: 'project_required', message: '/conat needs the project in the hub signature' },
      };
    return { id: check.projectId };
  }
  return null;
}

const notRunning = (id: string): Refusal => ({
  status: 404,
  // The hub's proxy keys on this code: it marks the project stopped.
  error: { code: 'project_not_running', message: `project ${id} is not running on this host` },
});

/**
 * The host service: what the hub reaches through the tunnel's HTTP port. Every request and
 * upgrade must carry the hub's signature (HMAC with the per-host secret over method and path as
 * sent, 60 s, each nonce once), so reaching the port without the hub gets nowhere. Routes:
 * `GET /healthz` (the hub's online probe), `/_lp/projects…` (project control),
 * `/<project id>/…` and `/conat…` (forwarded to the project's server, HTTP and WebSocket).
 */
export function startHostService(opts: HostServiceOptions): Promise<HostService> {
  const verifier = new SignatureVerifier(opts.serviceSecret);
  const log = opts.logger;
  const runtime = opts.runtime;
  const proxy = createProjectProxy(log);

  // Verifies against req.url exactly as received: that is the path the hub signed.
  const verify = (req: IncomingMessage): { check: Verified } | Refusal => {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const header = req.headers[SIGNATURE_HEADER];
    const check = verifier.verify(Array.isArray(header) ? header[0] : header, method, path);
    if (check.ok) return { check };
    // Each refusal is worth a line: it is either a misconfigured hub or someone probing the port.
    log.warn(
      { method, path: path.split('?')[0], reason: check.reason, upgrade: req.headers.upgrade !== undefined },
      'host service: refused an unsigned request',
    );
    return {
      status: 403,
      error: {
        code: `signature_${check.reason.replace('-', '_')}`,
        message: `requests to the host service must carry the hub's signature (${SIGNATURE_HEADER}): ${check.reason}`,
      },
    };
  };

  /** The running project a verified request goes to, or why it goes nowhere. */
  const targetOf = (pathname: string, check: Verified): ProjectTarget | Refusal | null => {
    if (!runtime) return null;
    const project = projectOfPath(pathname, check);
    if (project === null || 'status' in project) return project;
    const endpoint = runtime.portOf(project.id);
    if (!endpoint) return notRunning(project.id);
    return { id: project.id, port: endpoint.port, token: endpoint.token, user: check.user };
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? 'GET';
    const pathname = (req.url ?? '/').split('?')[0] as string;
    const verified = verify(req);
    if ('status' in verified) return sendError(res, verified.status, verified.error);
    const { check } = verified;
    if (method === 'GET' && pathname === '/healthz') {
      return sendJson(res, 200, { ok: true, hostId: opts.hostId, version: opts.version });
    }
    if (opts.backups && isBackupPath(pathname)) {
      void handleBackupControl(req, res, opts.backups, check.projectId, log);
      return;
    }
    if (runtime && isControlPath(pathname)) {
      void handleControl(req, res, runtime, check.projectId, log);
      return;
    }
    const target = targetOf(pathname, check);
    if (target === null)
      return sendError(res, 404, { code: 'not_found', message: `no route ${method} ${pathname}` });
    if ('status' in target) return sendError(res, target.status, target.error);
    proxy.web(req, res, target);
  };

  const server = createServer({ keepAliveTimeout: 30_000, noDelay: true }, handle);

  // Upgraded sockets leave the server's bookkeeping: closeAllConnections() does not see them.
  const upgrades = new Set<Duplex>();
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    upgrades.add(socket);
    socket.once('close', () => upgrades.delete(socket));
    // A browser vanishing mid-stream is routine, not a crash.
    socket.on('error', (err) => log.debug({ err }, 'host service: upgrade socket error'));
    const verified = verify(req);
    if ('status' in verified) return refuseUpgrade(socket, verified.status, verified.error);
    const pathname = (req.url ?? '/').split('?')[0] as string;
    const target = targetOf(pathname, verified.check);
    if (target === null)
      return refuseUpgrade(socket, 404, { code: 'not_found', message: `no WebSocket route ${pathname}` });
    if ('status' in target) return refuseUpgrade(socket, target.status, target.error);
    proxy.ws(req, socket, head, target);
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: opts.port }, () => {
      server.off('error', reject);
      server.on('error', (err) => log.error({ err }, 'host service: server error'));
      const port = (server.address() as { port: number }).port;
      resolve({
        port,
        accept: (socket) => {
          // After close() nothing more is served; the server would otherwise take it.
          if (!server.listening) {
            socket.destroy();
            return;
          }
          acceptTunnelChannel(socket, {
            verifier,
            socketOf: (id) => runtime?.portOf(id)?.socketPath ?? null,
            serveHttp: (channel) => server.emit('connection', channel),
            log,
          });
        },
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
            for (const socket of upgrades) socket.destroy();
            proxy.close();
          }),
      });
    });
  });
}
