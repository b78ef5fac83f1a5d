import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { Duplex } from 'node:stream';

/** What the hub's HTTPS server hands `/<project_id>/…` requests to (server/proxy implements it). */
export interface ProjectProxyHandler {
  matches(url: string): boolean;
  web(req: IncomingMessage, res: ServerResponse): void;
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Ends the open WebSockets whose session has ended; called after every sign-out. */
  recheckSessions(): number;
}

export interface HubServerOptions {
  tls: { key: string; cert: string };
  projectProxy: ProjectProxyHandler | undefined;
  /** What fastify would set on a server it made itself. */
  keepAliveTimeout: number;
  requestTimeout: number;
}

const CLOSING_BODY = '{"error":{"code":"shutting_down","message":"The hub is shutting down"}}';

/**
 * The hub's HTTPS server (fastify's `serverFactory`): project requests go straight to the project
 * proxy, without fastify on their path; everything else to fastify's handler. WebSocket upgrades
 * are only for projects; others are refused by closing the socket.
 *
 * Upgraded sockets are no longer the HTTP server's connections, so neither closeIdleConnections nor
 * closeAllConnections reaches them, and `server.close()` would wait for them forever: `close()` and
 * `closeAllConnections()` destroy them too. Proxied requests arriving on kept-alive connections
 * after `close()` get a 503 with `Connection: close`, as fastify's own routes do.
 */
export function createHubServer(
  opts: HubServerOptions,
  fastifyHandler: (req: IncomingMessage, res: ServerResponse) => void,
): Server {
  const proxy = opts.projectProxy;
  let closing = false;
  const upgraded = new Set<Duplex>();

  const server = createServer(
    { key: opts.tls.key, cert: opts.tls.cert, noDelay: true },
    proxy
      ? (req, res) => {
          if (!proxy.matches(req.url ?? '/')) return fastifyHandler(req, res);
          if (!closing) return proxy.web(req, res);
          res.writeHead(503, { 'content-type': 'application/json', connection: 'close' }).end(CLOSING_BODY);
        }
      : fastifyHandler,
  );
  server.keepAliveTimeout = opts.keepAliveTimeout;
  server.requestTimeout = opts.requestTimeout;

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (closing || !proxy?.matches(req.url ?? '/')) {
      socket.destroy();
      return;
    }
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
    proxy.upgrade(req, socket, head);
  });

  const destroyUpgraded = () => {
    for (const socket of upgraded) socket.destroy();
    upgraded.clear();
  };
  const close = server.close.bind(server);
  server.close = (callback?: (err?: Error) => void) => {
    closing = true;
    destroyUpgraded();
    return close(callback);
  };
  const closeAll = server.closeAllConnections.bind(server);
  server.closeAllConnections = () => {
    destroyUpgraded();
    closeAll();
  };
  return server;
}
