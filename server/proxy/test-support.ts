// Shared harness of the proxy tests: a real HTTPS hub (buildApp with the project proxy wired in,
// a real sqlite session store), a real host service upstream (node:http + ws) that checks the
// signature the way a host does, and small HTTPS/WebSocket clients.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { type Agent, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { WebSocket, WebSocketServer } from 'ws';
import { LoginTokensRepo, migrate, openDatabase, SessionsRepo } from '../db/index.js';
import { SIGNATURE_HEADER, type SignatureCheck, SignatureVerifier } from '../hosts/index.js';
import { Auth, buildApp, type HubApp, type HubView, sessionUserOf } from '../http/index.js';
import type { Logger } from '../log/index.js';
import { ensureLocalTls } from '../tls/index.js';
import { createProjectProxy } from './project-proxy.js';
import type { ProjectProxy, ProjectProxyDeps, ProjectProxyOptions, ProjectRoute } from './types.js';

export const silentLogger: Logger = pino({ level: 'silent' });
export const PROJECT = '0f8fad5b-d9cb-469f-a165-70867728950e';
export const OTHER = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
export const SECRET = 'host-service-secret-for-tests';

/** What the echo upstream saw of one request. */
export interface Echo {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  check: SignatureCheck;
}

export interface Upstream {
  port: number;
  /** Signatures as the host got them, for checks with another secret. */
  server: Server;
  close(): Promise<void>;
}

/**
 * The host service as the tests need it: verifies the signature (refusing with 401 when it
 * does not verify), then: `/…/echo…` answers with what it saw; `/…/stream` (POST) sends the body
 * back as it comes; `/…/gone` answers like a host that does not run the project; `/…/hang` never
 * answers; `/…/reset` breaks off mid-body; WebSockets echo every message after a first one describing the upgrade request.
 */
export async function startUpstream(secret = SECRET): Promise<Upstream> {
  const verifier = new SignatureVerifier(secret);
  const checkOf = (req: IncomingMessage) =>
    verifier.verify(req.headers[SIGNATURE_HEADER] as string | undefined, req.method ?? 'GET', req.url ?? '/');
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const check = checkOf(req);
    if (!check.ok) {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ check }));
      return;
    }
    const url = req.url ?? '/';
    if (url.includes('/stream')) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      req.pipe(res);
      return;
    }
    if (url.includes('/gone')) {
      req.resume();
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { code: 'project_not_running', message: 'not here' } }));
      return;
    }
    if (url.includes('/hang')) return;
    if (url.includes('/reset')) {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '1000' });
      res.write('partial');
      setTimeout(() => res.socket?.destroy(), 50);
      return;
    }
    req.resume();
    const echo: Echo = { method: req.method ?? '', url, headers: req.headers, check };
    res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': 'app=1; Path=/' });
    res.end(JSON.stringify(echo));
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    const check = checkOf(req);
    if (!check.ok) {
      socket.end('HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.send(JSON.stringify({ url: req.url, check, headers: req.headers }));
      ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    server,
    close: async () => {
      for (const c of wss.clients) c.terminate();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

export interface Hub {
  app: HubApp;
  port: number;
  ca: string;
  auth: Auth;
  proxy: ProjectProxy;
  /** `lp_session=…` for a fresh session. */
  signIn(): string;
  routes: Map<string, ProjectRoute>;
  calls: { start: string[]; touch: string[]; notRunning: string[] };
  /** What `start` does (default: marks the project running on `ok`). */
  onStart: (id: string) => Promise<void>;
  close(): Promise<void>;
}

let tlsCache: Promise<{ key: string; cert: string; ca: string }> | undefined;
function testTls() {
  tlsCache ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lp-proxy-tls-'));
    try {
      const tls = await ensureLocalTls({ dir, publicHost: '127.0.0.1' });
      return { key: tls.keyPem, cert: tls.certPem, ca: tls.caPem as string };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  })();
  return tlsCache;
}

export async function startHub(options: ProjectProxyOptions = {}): Promise<Hub> {
  const tls = await testTls();
  const dir = mkdtempSync(join(tmpdir(), 'lp-proxy-'));
  const db = openDatabase(join(dir, 'launchpad.db'));
  migrate(db);
  const auth = new Auth(
    new SessionsRepo(db),
    new LoginTokensRepo(db),
    'session-key-for-tests',
    'admin-secret',
  );
  const routes = new Map<string, ProjectRoute>();
  const calls = { start: [] as string[], touch: [] as string[], notRunning: [] as string[] };
  const hub = {} as Hub;
  hub.onStart = async () => undefined;
  const deps: ProjectProxyDeps = {
    resolve: (id) => routes.get(id) ?? { kind: 'unknown' },
    authenticate: (req) => sessionUserOf(auth, req),
    start: async (id, user) => {
      calls.start.push(`${id}:${user}`);
      await hub.onStart(id);
    },
    touch: (id) => calls.touch.push(id),
    notRunning: (id) => {
      calls.notRunning.push(id);
      routes.set(id, { kind: 'not-running', projectName: 'Demo', state: 'stopped', error: null });
    },
    logger: silentLogger,
  };
  const proxy = createProjectProxy(deps, options);
  const noop = () => () => undefined;
  // Only what the tests reach: the status route and the shapes buildApp reads.
  const view = {
    status: () => ({}),
    subscribe: noop,
    notify: () => undefined,
    hosts: { snapshot: () => ({ hosts: [], tokens: [] }), subscribe: noop, checkCredential: () => false },
    projects: { list: () => [], subscribe: noop },
  } as unknown as HubView;
  const app = await buildApp({
    tls: { key: tls.key, cert: tls.cert, custom: false },
    auth,
    hub: view,
    logger: silentLogger,
    rendererDir: join(dir, 'no-renderer'),
    projectProxy: proxy,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  Object.assign(hub, {
    app,
    port: (app.server.address() as AddressInfo).port,
    ca: tls.ca,
    auth,
    proxy,
    routes,
    calls,
    signIn() {
      const { token } = auth.createLoginToken();
      const session = auth.redeemLoginToken(token, {});
      if (!session) throw new Error('sign-in failed');
      return `lp_session=${session.sessionToken}`;
    },
    async close() {
      proxy.close();
      await app.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  });
  return hub;
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text: string;
  json: () => unknown;
}

export function hubRequest(
  hub: Pick<Hub, 'port' | 'ca'>,
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: Buffer | string; agent?: Agent } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: hub.port,
        path,
        method: opts.method ?? 'GET',
        headers: opts.headers,
        ca: hub.ca,
        ...(opts.agent ? { agent: opts.agent } : { agent: false }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          const text = body.toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            text,
            json: () => JSON.parse(text),
          });
        });
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Streams `body` to `path` with POST and hashes what comes back, without holding it. */
export function streamThrough(
  hub: Pick<Hub, 'port' | 'ca'>,
  path: string,
  cookie: string,
  body: Buffer,
): Promise<{ status: number; sha256: string; length: number }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: hub.port,
        path,
        method: 'POST',
        headers: {
          cookie,
          'content-type': 'application/octet-stream',
          'content-length': String(body.length),
        },
        ca: hub.ca,
        agent: false,
      },
      (res) => {
        const hash = createHash('sha256');
        let length = 0;
        res.on('data', (c: Buffer) => {
          hash.update(c);
          length += c.length;
        });
        res.on('error', reject);
        res.on('end', () => resolve({ status: res.statusCode ?? 0, sha256: hash.digest('hex'), length }));
      },
    );
    req.on('error', reject);
    // In pieces, so neither side sees one huge write.
    const piece = 1 << 20;
    let at = 0;
    const write = () => {
      while (at < body.length) {
        const ok = req.write(body.subarray(at, at + piece));
        at += piece;
        if (!ok) {
          req.once('drain', write);
          return;
        }
      }
      req.end();
    };
    write();
  });
}

export function openWs(
  hub: Pick<Hub, 'port' | 'ca'>,
  path: string,
  cookie?: string,
  origin?: string,
): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`wss://127.0.0.1:${hub.port}${path}`, {
      ca: hub.ca,
      headers: cookie ? { cookie } : {},
      ...(origin ? { origin } : {}),
    });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
  });
}

export function nextMessage(ws: WebSocket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    ws.once('message', (data) => resolve(Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer)));
    ws.once('error', reject);
  });
}
