// A stand-in project server for the runtime and host-service tests. It follows the project server
// contract (flags, token env, one `listening` line on stdout, JSON logs on stderr, exit 0 on SIGTERM)
// and can misbehave on demand, so the tests exercise real child processes:
//   - file `<dir>/.fixture-fail-before-listen`: log two stderr lines and exit 2 before listening
//   - file `<dir>/.fixture-never-listen`: start, but never report listening
//   - file `<dir>/.fixture-ignore-sigterm`: ignore SIGTERM (only SIGKILL ends it)
//   - any request to a path ending in `/_fixture/crash`: answer, then exit 3
// Every other HTTP request is answered with what arrived (url, headers, pid, and `via`: "port" or
// "socket") as JSON; a WebSocket on any path sends {hello: url, user, via} and then echoes each
// message back. With --socket it also listens there, as the real server does: no token asked.
import { existsSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';

function arg(name) {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0 || i + 1 >= process.argv.length) {
    process.stderr.write(`${JSON.stringify({ level: 60, msg: `missing --${name}` })}\n`);
    process.exit(64);
  }
  return process.argv[i + 1];
}

const projectId = arg('project-id');
const dir = arg('dir');
const port = Number(arg('port'));
const token = process.env.LAUNCHPAD_PROJECT_TOKEN;
const log = (level, msg, extra = {}) =>
  process.stderr.write(`${JSON.stringify({ level, time: Date.now(), projectId, msg, ...extra })}\n`);

if (existsSync(join(dir, '.fixture-fail-before-listen'))) {
  log(30, 'starting up');
  log(50, 'cannot open the workspace database: disk on fire');
  process.exit(2);
}

const socketAt = process.argv.indexOf('--socket');
const socketPath = socketAt === -1 ? undefined : process.argv[socketAt + 1];
const trusted = new WeakSet();
const via = (req) => (trusted.has(req.socket) ? 'socket' : 'port');
const authorized = (req) =>
  trusted.has(req.socket) || (token !== undefined && req.headers['x-launchpad-project-token'] === token);

const server = createServer((req, res) => {
  if (!authorized(req)) {
    res.writeHead(403, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { code: 'bad_project_token', message: 'no project token' } }));
    return;
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.stringify({
      projectId,
      pid: process.pid,
      method: req.method,
      via: via(req),
      url: req.url,
      headers: req.headers,
      body: Buffer.concat(chunks).toString(),
    });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    if (req.url?.split('?')[0].endsWith('/_fixture/crash')) {
      log(50, 'crashing on request');
      res.on('finish', () => process.exit(3));
    }
  });
});

const wss = new WebSocketServer({ noServer: true });
server.on('upgrade', (req, socket, head) => {
  if (!authorized(req)) {
    socket.end('HTTP/1.1 403 Forbidden\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => {
    ws.send(JSON.stringify({ hello: req.url, user: req.headers['x-launchpad-user'] ?? null, via: via(req) }));
    ws.on('message', (data) => ws.send(`echo:${data}`));
  });
});

process.on('SIGTERM', () => {
  if (existsSync(join(dir, '.fixture-ignore-sigterm'))) {
    log(40, 'SIGTERM: ignored');
    return;
  }
  log(30, 'SIGTERM: closing');
  for (const client of wss.clients) client.terminate();
  server.close(() => process.exit(0));
  server.closeAllConnections();
});

const listen = () =>
  server.listen({ host: '127.0.0.1', port }, () => {
    log(30, 'listening');
    process.stdout.write(`${JSON.stringify({ event: 'listening', port: server.address().port })}\n`);
  });

if (existsSync(join(dir, '.fixture-never-listen'))) {
  log(30, 'never going to listen');
  setInterval(() => undefined, 60_000);
} else if (socketPath !== undefined) {
  // The socket first, as the real server does before it reports listening.
  rmSync(socketPath, { force: true });
  createNetServer({ allowHalfOpen: true }, (socket) => {
    trusted.add(socket);
    server.emit('connection', socket);
  }).listen(socketPath, listen);
} else {
  listen();
}
