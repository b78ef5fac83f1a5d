import { once } from 'node:events';
import { mkdir } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isAbsolute, join } from 'node:path';
import type { Duplex } from 'node:stream';
import { type Logger, pino } from 'pino';
import type { TerminalListResponse } from '../../api/index.js';
import { ApiError } from '../../http/errors.js';
import { packageRoot } from '../../hub/package-root.js';
import { ConatChannel } from './conat.js';
import { filesRoutes, type Routes } from './files-routes.js';
import { ProjectPaths } from './paths.js';
import { PortProxy, type PortTarget, parsePort } from './port-proxy.js';
import { tokenGuard } from './project-token.js';
import { rejectUpgrade, sendError, sendJson } from './respond.js';
import { StaticFiles } from './static.js';
import { Terminals } from './terminals.js';
import { listenTrusted, type TrustedListener } from './trusted-listener.js';

export interface ProjectServerOptions {
  projectId: string;
  /** The project directory (absolute); created when missing. */
  dir: string;
  /** 0 (the default) picks a free port. Always bound on 127.0.0.1. */
  port?: number;
  /** Where workspace.html and assets/ are; default `<packageRoot>/dist/renderer`. */
  rendererDir?: string;
  /** When set, every request and upgrade must carry it in x-launchpad-project-token. */
  token?: string;
  /**
   * A Unix socket path (named pipe on Windows) to listen on as well, for the host agent: its
   * connections need no token (see trusted-listener.ts). Its directory must be private.
   */
  socketPath?: string;
  log?: Logger;
  /** A terminal nobody watches is ended after this long (default 10 minutes). */
  terminalIdleTimeoutMs?: number;
  /** Shell for terminals (default `$SHELL`, else /bin/bash). */
  shell?: string;
}

export interface RunningProjectServer {
  port: number;
  /** Ends the terminals, closes every connection and the listener. */
  close(): Promise<void>;
}

const forbidden = () =>
  new ApiError(403, 'forbidden', 'this project server only answers requests that come through its host');

/** Splits a request target into its still-encoded path and its query (with the '?'). */
function splitTarget(url: string): { path: string; search: string } {
  const q = url.indexOf('?');
  return q === -1 ? { path: url, search: '' } : { path: url.slice(0, q), search: url.slice(q) };
}

/** Serves one project directory under `/<projectId>/`: workspace page, files API, terminals, ports. */
export async function startProjectServer(opts: ProjectServerOptions): Promise<RunningProjectServer> {
  if (!isAbsolute(opts.dir)) throw new Error(`the project directory must be an absolute path: ${opts.dir}`);
  const log = (opts.log ?? pino({ enabled: false })).child({ projectId: opts.projectId });
  await mkdir(opts.dir, { recursive: true });
  const paths = await ProjectPaths.open(opts.dir);
  const terminals = new Terminals({
    cwd: paths.root,
    log,
    ...(opts.shell ? { shell: opts.shell } : {}),
    ...(opts.terminalIdleTimeoutMs !== undefined ? { idleTimeoutMs: opts.terminalIdleTimeoutMs } : {}),
  });
  const conat = new ConatChannel(paths, terminals, log);
  const proxy = new PortProxy(log);
  const statics = new StaticFiles(opts.rendererDir ?? join(packageRoot(), 'dist', 'renderer'));
  const tokenOk = tokenGuard(opts.token);
  let trustedListener: TrustedListener | undefined;
  const authorised = (req: IncomingMessage) =>
    trustedListener?.isTrusted(req.socket) === true || tokenOk(req.headers);
  const prefix = `/${opts.projectId}`;

  const api: Routes = {
    ...filesRoutes(paths, log),
    terminals: {
      GET: async ({ res }) =>
        sendJson(res, 200, { terminals: terminals.list() } satisfies TerminalListResponse),
    },
  };

  /** `/<id>/port/<n>…` (with `n` checked), or null for any other path. */
  const portTarget = (url: string): PortTarget | null => {
    const start = `${prefix}/port/`;
    if (!url.startsWith(start)) return null;
    const after = url.slice(start.length);
    const end = after.search(/[/?]/);
    const text = end === -1 ? after : after.slice(0, end);
    return { port: parsePort(text), prefix: `${start}${text}`, rest: end === -1 ? '' : after.slice(end) };
  };

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!authorised(req)) throw forbidden();
    const url = req.url ?? '/';
    const { path, search } = splitTarget(url);
    const method = req.method ?? 'GET';
    const readOnly = method === 'GET' || method === 'HEAD';

    if (path.startsWith('/assets/') && readOnly)
      return statics.asset(req, res, path.slice('/assets/'.length));
    if (path === '/favicon.svg' && readOnly) return statics.favicon(req, res);
    if (path === prefix) {
      res.writeHead(308, { location: `${prefix}/${search}`, 'content-length': 0 });
      res.end();
      return;
    }
    if (!path.startsWith(`${prefix}/`)) throw new ApiError(404, 'not_found', 'no such route');
    const sub = path.slice(prefix.length + 1);

    const port = portTarget(url);
    if (port) return proxy.web(req, res, port);
    if (sub === '' && readOnly) return statics.workspacePage(req, res);
    if (sub.startsWith('assets/') && readOnly) return statics.asset(req, res, sub.slice('assets/'.length));
    if (sub === 'conat') throw new ApiError(426, 'upgrade_required', 'conat is a WebSocket endpoint');
    if (sub.startsWith('api/')) {
      const methods = api[sub.slice('api/'.length)];
      const handler = methods?.[method];
      if (handler) return handler({ req, res, query: new URLSearchParams(search) });
      if (methods) {
        const allow = Object.keys(methods).join(', ');
        throw new ApiError(405, 'method_not_allowed', `use ${allow}`, undefined, { allow });
      }
    }
    throw new ApiError(404, 'not_found', 'no such route');
  };

  // Upgraded sockets leave the HTTP server's bookkeeping (closeAllConnections misses them) but
  // still hold server.close() open: they are ended by hand.
  const upgraded = new Set<Duplex>();
  const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    upgraded.add(socket);
    socket.on('close', () => upgraded.delete(socket));
    socket.on('error', (err) => log.debug({ err }, 'upgrade socket error'));
    if (!authorised(req)) {
      rejectUpgrade(socket, 403, 'forbidden', forbidden().message);
      return;
    }
    const url = req.url ?? '/';
    const { path } = splitTarget(url);
    // The hub rewrites /<id>/conat to /conat; a direct client (tests, same machine) keeps the prefix.
    if (path === '/conat' || path === `${prefix}/conat`) {
      conat.handleUpgrade(req, socket, head);
      return;
    }
    let port: PortTarget | null;
    try {
      port = portTarget(url);
    } catch (err) {
      rejectUpgrade(socket, 400, 'invalid_port', (err as Error).message);
      return;
    }
    if (port) proxy.ws(req, socket, head, port);
    else rejectUpgrade(socket, 404, 'not_found', 'no WebSocket endpoint here');
  };

  // Big uploads and downloads take as long as they take: no request timeout (headers still have one).
  // Idle keep-alive connections outlive the hub proxy's pooled sockets, so the proxy never reuses
  // a socket this side is closing at that moment (an ECONNRESET on an innocent request).
  const server = createServer({ requestTimeout: 0, keepAliveTimeout: 65_000 }, (req, res) => {
    route(req, res).catch((err: unknown) => sendError(res, err, log, req));
  });
  server.on('upgrade', upgrade);
  server.listen(opts.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  log.info({ dir: paths.root, port }, 'project server listening');
  if (opts.socketPath !== undefined) {
    try {
      trustedListener = await listenTrusted(opts.socketPath, server, log);
    } catch (err) {
      // The socket only saves the agent a proxy hop: without it the port serves everything.
      log.warn({ err, path: opts.socketPath }, 'no trusted socket; the host reaches this server on its port');
    }
  }

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const trustedClosed = trustedListener?.close();
      conat.close();
      await terminals.closeAll();
      proxy.close();
      server.closeAllConnections();
      for (const socket of upgraded) socket.destroy();
      await closed;
      await trustedClosed;
      log.info('project server closed');
    })();
    return closing;
  };
  return { port, close };
}
