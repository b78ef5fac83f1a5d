import { rmSync } from 'node:fs';
import type { Server as HttpServer } from 'node:http';
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import type { Logger } from 'pino';

export interface TrustedListener {
  /** Whether a request came in over the trusted socket. */
  isTrusted(socket: Socket): boolean;
  close(): Promise<void>;
}

/**
 * A second way into the project server, for its host agent only: a Unix socket (a named pipe on
 * Windows) at `path`, inside a directory only the agent's user can enter. Filesystem permissions
 * are its authentication, so its connections need no per-request token: the agent splices a
 * tunnel channel straight onto one (raw bytes, no HTTP proxy hop; see agent/tunnel-splice.ts)
 * while the TCP port keeps requiring the token of every request. Connections are handed to the
 * same HTTP server, so routes, upgrades, keep-alive and shutdown are the TCP port's.
 */
export async function listenTrusted(path: string, http: HttpServer, log: Logger): Promise<TrustedListener> {
  const trusted = new WeakSet<Socket>();
  // Half-open as node:http's own listener is: the HTTP server ends the socket after its response.
  const server: NetServer = createServer({ allowHalfOpen: true }, (socket) => {
    trusted.add(socket);
    http.emit('connection', socket);
  });
  // A crashed predecessor (the runtime restarts a project with the same path) leaves its socket
  // file behind, and listen() would fail on it. The directory is the agent's own.
  if (process.platform !== 'win32') rmSync(path, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => log.error({ err }, 'trusted socket: server error'));
  log.info({ path }, 'project server listening on its trusted socket');
  return {
    isTrusted: (socket) => trusted.has(socket),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
