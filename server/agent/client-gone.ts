import type { IncomingMessage } from 'node:http';

/**
 * Whether the client of a request the host service proxies left before its answer was complete
 * (the hub closed the tunnel channel: a closed tab, a cancelled download, a load generator
 * stopping mid-request). http-proxy-3 then aborts the request to the project server, and the
 * error it reports ('socket hang up', code ECONNRESET) says nothing about the project server.
 * http-proxy-3 recognises a client that left only by a destroyed socket; a channel that ssh2
 * closed is ended both ways but not destroyed. A client still there has its socket open both ways.
 */
export function clientWentAway(req: IncomingMessage): boolean {
  const socket = req.socket;
  return socket.destroyed || socket.readableEnded || !socket.writable;
}
