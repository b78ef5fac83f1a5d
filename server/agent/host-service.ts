import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { SIGNATURE_HEADER, SignatureVerifier } from '../hosts/index.js';
import type { Logger } from '../log/index.js';

export interface HostServiceOptions {
  /** 0 picks a free port. Always bound on 127.0.0.1: only the tunnel (or the hub's machine) reaches it. */
  port: number;
  hostId: string;
  serviceSecret: string;
  version: string;
  logger: Logger;
}

export interface HostService {
  /** The bound port. */
  readonly port: number;
  close(): Promise<void>;
}

/** The service port's default: COCALC_HOST_SERVICE_PORT / --service-port change it. */
export const DEFAULT_SERVICE_PORT = 9002;

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

/**
 * The host service: what the hub reaches through the tunnel's HTTP port. Every request must
 * carry the hub's signature (HMAC with the per-host secret over method and path, 60 s, each
 * nonce once), so reaching the port without the hub gets nowhere. Projects will add routes here;
 * for now there is `GET /healthz`, which the hub probes for online state and round-trip time.
 */
export function startHostService(opts: HostServiceOptions): Promise<HostService> {
  const verifier = new SignatureVerifier(opts.serviceSecret);
  const log = opts.logger;

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const header = req.headers[SIGNATURE_HEADER];
    const check = verifier.verify(Array.isArray(header) ? header[0] : header, method, path);
    if (!check.ok) {
      // Each refusal is worth a line: it is either a misconfigured hub or someone probing the port.
      log.warn(
        { method, path: path.split('?')[0], reason: check.reason },
        'host service: refused an unsigned request',
      );
      sendJson(res, 403, {
        error: {
          code: `signature_${check.reason.replace('-', '_')}`,
          message: `requests to the host service must carry the hub's signature (${SIGNATURE_HEADER}): ${check.reason}`,
        },
      });
      return;
    }
    if (method === 'GET' && path.split('?')[0] === '/healthz') {
      sendJson(res, 200, { ok: true, hostId: opts.hostId, version: opts.version });
      return;
    }
    sendJson(res, 404, { error: { code: 'not_found', message: `no route ${method} ${path.split('?')[0]}` } });
  };

  const server = createServer({ keepAliveTimeout: 30_000 }, handle);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: opts.port }, () => {
      server.off('error', reject);
      server.on('error', (err) => log.error({ err }, 'host service: server error'));
      const port = (server.address() as { port: number }).port;
      resolve({
        port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
