// Bench-only proxy harness: the hub's own project proxy (`createProjectProxy` from the built
// dist/server/proxy) behind an HTTPS server like the hub's (same certificate, noDelay, the same
// keep-alive timeout), with every request signed in as one user and each listener routing the
// project to one fixed upstream: the hub's embedded-tunnel port or an OpenSSH `-R` port. The
// proxy code, TLS and process layout are then the same for both tunnels, so path (c*) and path
// (d) differ only in the tunnel.
//
//   node bench/proxy-harness.mjs --root <repo> --cert <pem> --key <pem> --secret <service secret>
//        --listen <name>:<upstream port> [--listen …]
//
// Prints `{"event":"listening","ports":{"<name>":<port>,…}}` once every listener is up.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';

/** @type {{ root: string, cert: string, key: string, secret: string, listen: string[] }} */
const args = { root: '', cert: '', key: '', secret: '', listen: [] };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  const k = argv[i]?.replace(/^--/, '');
  const v = argv[i + 1] ?? '';
  if (k === 'listen') args.listen.push(v);
  else if (k === 'root' || k === 'cert' || k === 'key' || k === 'secret') args[k] = v;
  else throw new Error(`proxy-harness: unknown option ${argv[i]}`);
}

const { createProjectProxy } = await import(
  pathToFileURL(join(args.root, 'dist', 'server', 'proxy', 'index.js')).href
);
const logger = pino({ level: 'warn', base: { component: 'bench-proxy' } }, pino.destination(2));
const tls = { cert: readFileSync(args.cert, 'utf8'), key: readFileSync(args.key, 'utf8') };

/** @type {Record<string, number>} */
const ports = {};
const servers = [];
const proxies = [];
for (const spec of args.listen) {
  const [name, upstream] = spec.split(':');
  const target = { host: '127.0.0.1', port: Number(upstream) };
  const proxy = createProjectProxy({
    resolve: () => ({ kind: 'ok', target, secret: args.secret, hostName: `bench-${name}` }),
    authenticate: () => ({ user: 'bench' }),
    start: async () => undefined,
    touch: () => undefined,
    notRunning: (id) => logger.warn({ id }, 'the host says the project is not running'),
    logger,
  });
  const server = createServer({ ...tls, noDelay: true }, (req, res) => {
    if (proxy.matches(req.url ?? '/')) return proxy.web(req, res);
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not a project URL\n');
  });
  // The hub's (fastify's) keep-alive timeout.
  server.keepAliveTimeout = 72_000;
  server.on('upgrade', (req, socket, head) => {
    if (proxy.matches(req.url ?? '/')) proxy.upgrade(req, socket, head);
    else socket.destroy();
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => resolve(undefined));
  });
  ports[name] = server.address().port;
  servers.push(server);
  proxies.push(proxy);
}
process.stdout.write(`${JSON.stringify({ event: 'listening', ports })}\n`);

process.once('SIGTERM', () => {
  for (const p of proxies) p.close();
  for (const s of servers) {
    s.close();
    s.closeAllConnections();
  }
  // Exit explicitly (lets --cpu-prof write its profile).
  setTimeout(() => process.exit(0), 100);
});
