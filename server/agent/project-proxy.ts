import { Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createProxyServer } from 'http-proxy-3';
import { SIGNATURE_HEADER } from '../hosts/index.js';
import type { Logger } from '../log/index.js';
import { PROJECT_TOKEN_HEADER, PROJECT_USER_HEADER } from '../projects/index.js';
import { clientWentAway } from './client-gone.js';
import { refuseUpgrade, sendError } from './http-reply.js';

export interface ProjectTarget {
  id: string;
  port: number;
  token: string;
  /** The user the hub's signature vouched for. */
  user: string | null;
}

export interface ProjectProxy {
  web(req: IncomingMessage, res: ServerResponse, target: ProjectTarget): void;
  ws(req: IncomingMessage, socket: Duplex, head: Buffer, target: ProjectTarget): void;
  close(): void;
}

// The project a proxied request is for, to name it in error logs.
const projectOf = new WeakMap<IncomingMessage, string>();

/**
 * Forwards requests and WebSocket upgrades to project servers on 127.0.0.1, streaming both ways
 * (nothing is buffered). One keep-alive agent for all projects: the hub's tunnel multiplexes
 * many browsers onto this port, and reusing upstream connections saves a handshake per request.
 */
export function createProjectProxy(log: Logger): ProjectProxy {
  const agent = new Agent({ keepAlive: true, maxSockets: 1024, maxFreeSockets: 64, scheduling: 'lifo' });
  const proxy = createProxyServer({ agent, xfwd: false });
  // Small writes (terminal keystrokes, conat frames) must not wait for Nagle.
  proxy.on('proxyReq', (proxyReq) => proxyReq.setNoDelay(true));
  // An error after the upgrade was answered cannot become an HTTP response any more.
  const upgraded = new WeakSet<object>();
  proxy.on('proxyReqWs', (proxyReq, _req, socket) => {
    proxyReq.setNoDelay(true);
    proxyReq.once('upgrade', () => upgraded.add(socket));
  });

  proxy.on('error', (err, req, resOrSocket) => {
    const project = projectOf.get(req);
    const code = (err as NodeJS.ErrnoException).code ?? err.message;
    if (clientWentAway(req)) {
      log.debug(
        { project, code, path: req.url?.split('?')[0] },
        'host service: the client left before the answer',
      );
      (resOrSocket as { destroy(): void }).destroy();
      return;
    }
    log.warn({ project, code, path: req.url?.split('?')[0] }, 'host service: project server unreachable');
    const error = {
      code: 'project_unreachable',
      message: `the project server did not answer: ${code}`,
    };
    if ('writeHead' in resOrSocket) {
      const res = resOrSocket as ServerResponse;
      if (res.headersSent) res.destroy();
      else sendError(res, 502, error);
      return;
    }
    const socket = resOrSocket as Socket;
    if (upgraded.has(socket)) socket.destroy();
    else refuseUpgrade(socket, 502, error);
  });

  // The hub's signature is for this service only; the identity travels in the project headers,
  // set here and only here (a client cannot smuggle its own through the hub).
  const prepare = (req: IncomingMessage, target: ProjectTarget) => {
    projectOf.set(req, target.id);
    delete req.headers[SIGNATURE_HEADER];
    delete req.headers[PROJECT_USER_HEADER];
    req.headers[PROJECT_TOKEN_HEADER] = target.token;
    if (target.user !== null) req.headers[PROJECT_USER_HEADER] = target.user;
    return { target: `http://127.0.0.1:${target.port}` };
  };

  return {
    web(req, res, target) {
      proxy.web(req, res, prepare(req, target));
    },
    ws(req, socket, head, target) {
      proxy.ws(req, socket, head, prepare(req, target));
    },
    close() {
      agent.destroy();
    },
  };
}
