import { createServer, type Server } from 'node:http';

/**
 * The optional plain-HTTP listener: it serves nothing, only sends every request to the
 * same path on HTTPS (308 keeps the method and body).
 */
export function createRedirectServer(httpsPort: number): Server {
  return createServer((req, res) => {
    const rawHost = req.headers.host ?? '127.0.0.1';
    const host = rawHost.startsWith('[') ? rawHost.slice(0, rawHost.indexOf(']') + 1) : rawHost.split(':')[0];
    const location = `https://${host}:${httpsPort}${req.url ?? '/'}`;
    res.writeHead(308, { location, 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
    res.end(`Launchpad serves HTTPS only: ${location}\n`);
  });
}
