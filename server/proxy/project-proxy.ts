import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createProxyServer } from 'http-proxy-3';
import {
  type Answer,
  acceptsHtml,
  forbidden,
  hostOffline,
  notFound,
  notRunning,
  redirect,
  refuseUpgrade,
  send,
  unauthenticated,
  unknownProject,
  upstreamFailed,
  wantsHtml,
} from './answers.js';
import { prepareForwardHeaders } from './outgoing-headers.js';
import {
  actionOf,
  forwardedPath,
  isBareProjectUrl,
  isProjectUrl,
  PREFIX_LENGTH,
  projectIdOf,
} from './project-path.js';
import { isProjectNotRunning, peekJsonError, relayResponse } from './relay-response.js';
import type { ProjectProxy, ProjectProxyDeps, ProjectProxyOptions, ProjectRoute } from './types.js';
import { UpstreamAgents } from './upstream-agents.js';

type OkRoute = Extract<ProjectRoute, { kind: 'ok' }>;
type NotOkRoute = Exclude<ProjectRoute, OkRoute>;

// What the shared event handlers need to know about a request on its way to a host.
const PROJECT = Symbol('launchpad.project');
const ROUTE = Symbol('launchpad.route');
interface ProxiedRequest extends IncomingMessage {
  [PROJECT]?: string;
  [ROUTE]?: OkRoute;
}

/**
 * The hub's project proxy: `https://hub/<project_id>/…` (HTTP and WebSocket) to the host that
 * runs the project, for signed-in users only, with the hub's credentials stripped and a signed
 * identity added (see prepareForwardHeaders). `/<id>/conat…` reaches the host as `/conat…`.
 *
 * Built for throughput: one http-proxy-3 instance, a kept-alive agent per host, bodies streamed
 * both ways, no fastify and no per-request closures on the HTTP path. When the project cannot be
 * reached the proxy answers itself: 404 (unknown project), 502 (host offline or not answering),
 * 503 (project not running, with a Start button that posts to `/<id>/.launchpad/start`).
 */
export function createProjectProxy(deps: ProjectProxyDeps, options: ProjectProxyOptions = {}): ProjectProxy {
  const log = deps.logger;
  const responseTimeoutMs = options.responseTimeoutMs ?? 60_000;
  const touchIntervalMs = options.touchIntervalMs ?? 60_000;
  const agents = new UpstreamAgents(deps.openTunnel);
  const lastTouch = new Map<string, number>();
  // Open WebSockets, with the session cookie of their upgrade request (the hub's cookie is
  // stripped before the request goes on), to end them when the session ends.
  const upgraded = new Map<Duplex, { cookie: string | undefined }>();
  // Client sockets whose upgrade the host accepted (a 101 went out): errors no longer get a page.
  const opened = new WeakSet<Duplex>();
  let closed = false;

  const proxy = createProxyServer({
    // The proxy writes responses itself (relayResponse), and sends req.url as is (what it signed).
    selfHandleResponse: true,
    toProxy: true,
    xfwd: false,
  });

  proxy.on('proxyReq', (proxyReq) => {
    proxyReq.setTimeout(responseTimeoutMs, abortSlowUpstream);
  });

  proxy.on('proxyRes', (proxyRes, req, res) => {
    // Headers arrived: from now on a slow body (a stream, a long poll) is the app's business.
    proxyRes.socket?.setTimeout(0);
    if (proxyRes.statusCode === 404 && (proxyRes.headers['content-type'] ?? '').includes('json')) {
      peekJsonError(proxyRes, res, (body) => {
        if (!isProjectNotRunning(body)) return false;
        hostSaysNotRunning(req, res);
        return true;
      });
      return;
    }
    relayResponse(proxyRes, res);
  });

  proxy.on('proxyReqWs', (proxyReq, req, socket) => {
    proxyReq.setTimeout(responseTimeoutMs, abortSlowUpstream);
    proxyReq.once('upgrade', () => opened.add(socket));
    proxyReq.once('response', (proxyRes: IncomingMessage) => {
      // http-proxy-3 relays a refused upgrade as it is; the proxy only listens for "not running".
      if (proxyRes.statusCode !== 404) return;
      const chunks: Buffer[] = [];
      proxyRes.on('data', (c: Buffer) => chunks.push(c));
      proxyRes.on('end', () => {
        let body: unknown;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          // Not the host service's JSON: nothing to learn from it.
          body = undefined;
        }
        const id = (req as ProxiedRequest)[PROJECT];
        if (id !== undefined && isProjectNotRunning(body)) markNotRunning(id);
      });
    });
  });

  proxy.on('error', (err: NodeJS.ErrnoException, req: IncomingMessage, resOrSocket: unknown) => {
    const r = req as ProxiedRequest;
    const id = r[PROJECT] ?? projectIdOf(req.url ?? '/');
    const route = r[ROUTE];
    const host = route ? (route.hostName ?? `${route.target.host}:${route.target.port}`) : 'unknown';
    const reason = err.code ?? err.message;
    if (isResponse(resOrSocket)) {
      log.warn({ project: id, host, code: err.code, err: err.message }, 'project request failed');
      send(req, resOrSocket, upstreamFailed(id, host, reason));
      return;
    }
    const socket = resOrSocket as Duplex;
    if (opened.has(socket)) {
      log.debug({ project: id, host, code: err.code }, 'project WebSocket ended with an error');
      socket.destroy();
      return;
    }
    log.warn({ project: id, host, code: err.code, err: err.message }, 'project WebSocket upgrade failed');
    refuseUpgrade(socket, upstreamFailed(id, host, reason));
  });

  function touch(id: string): void {
    const now = Date.now();
    const last = lastTouch.get(id);
    if (last !== undefined && now - last < touchIntervalMs) return;
    lastTouch.set(id, now);
    try {
      deps.touch(id);
    } catch (err) {
      log.warn({ err, project: id }, 'marking a project active failed');
    }
  }

  function markNotRunning(id: string): void {
    log.info({ project: id }, 'the host says the project is not running there');
    try {
      deps.notRunning?.(id);
    } catch (err) {
      log.warn({ err, project: id }, 'marking a project stopped failed');
    }
  }

  /** The host answered "project_not_running": tell the registry, then show the Start page. */
  function hostSaysNotRunning(req: IncomingMessage, res: ServerResponse): void {
    const id = (req as ProxiedRequest)[PROJECT] ?? projectIdOf(req.url ?? '/');
    markNotRunning(id);
    const route = deps.resolve(id);
    send(
      req,
      res,
      route.kind === 'ok' || route.kind === 'not-running'
        ? notRunning(
            id,
            route.kind === 'not-running'
              ? route
              : { kind: 'not-running', projectName: id, state: 'stopped', error: null },
          )
        : answerFor(id, route),
    );
  }

  function web(req: IncomingMessage, res: ServerResponse): void {
    try {
      const url = req.url ?? '/';
      const id = projectIdOf(url);
      const who = deps.authenticate(req);
      if (who === null) {
        if (wantsHtml(req)) redirect(res, 302, `/login?next=${encodeURIComponent(url)}`);
        else send(req, res, unauthenticated());
        return;
      }
      const action = actionOf(url);
      if (action !== undefined) {
        runAction(req, res, id, action, who.user);
        return;
      }
      const route = deps.resolve(id);
      if (route.kind !== 'ok') {
        send(req, res, answerFor(id, route));
        return;
      }
      if (isBareProjectUrl(url) && (req.method === 'GET' || req.method === 'HEAD')) {
        // Relative links inside the project resolve against `/<id>/`, not `/`.
        redirect(res, 302, `/${id}/${url.slice(PREFIX_LENGTH)}`);
        return;
      }
      touch(id);
      const path = forwardedPath(url);
      prepareForwardHeaders(req, id, who.user, route.secret, path);
      req.url = path;
      const r = req as ProxiedRequest;
      r[PROJECT] = id;
      r[ROUTE] = route;
      proxy.web(req, res, agents.for(route.target, { projectId: id, secret: route.secret }).web);
    } catch (err) {
      log.error({ err, path: req.url?.split('?')[0] }, 'project proxy failed');
      send(req, res, { status: 500, code: 'internal', message: 'Internal error; see the hub log' });
    }
  }

  function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', destroyOnError);
    try {
      if (closed) {
        socket.destroy();
        return;
      }
      (socket as Partial<Socket>).setNoDelay?.(true);
      const url = req.url ?? '/';
      const id = projectIdOf(url);
      const who = deps.authenticate(req);
      if (who === null) {
        refuseUpgrade(socket, unauthenticated());
        return;
      }
      // Another site's page may not open a WebSocket with this browser's session (the Strict
      // cookie already keeps it out; this holds even if the cookie policy changes).
      if (req.headers.origin !== undefined && !sameOrigin(req)) {
        refuseUpgrade(socket, forbidden(`WebSockets from ${req.headers.origin} are not allowed`));
        return;
      }
      const route = deps.resolve(id);
      if (route.kind !== 'ok') {
        refuseUpgrade(socket, answerFor(id, route));
        return;
      }
      touch(id);
      const cookie = req.headers.cookie;
      const path = forwardedPath(url);
      prepareForwardHeaders(req, id, who.user, route.secret, path);
      req.url = path;
      const r = req as ProxiedRequest;
      r[PROJECT] = id;
      r[ROUTE] = route;
      upgraded.set(socket, { cookie });
      socket.once('close', () => upgraded.delete(socket));
      proxy.ws(req, socket, head, agents.for(route.target, { projectId: id, secret: route.secret }).ws);
    } catch (err) {
      log.error({ err, path: req.url?.split('?')[0] }, 'project proxy upgrade failed');
      refuseUpgrade(socket, { status: 500, code: 'internal', message: 'Internal error; see the hub log' });
    }
  }

  /** `/<id>/.launchpad/<action>`: the proxy's own endpoints (only `start` so far). */
  function runAction(req: IncomingMessage, res: ServerResponse, id: string, action: string, user: string) {
    const html = acceptsHtml(req);
    if (action !== 'start') {
      send(req, res, notFound(`No action ${action} here`), html);
      return;
    }
    if (req.method !== 'POST') {
      send(
        req,
        res,
        { status: 405, code: 'method_not_allowed', message: 'Start with POST', headers: { allow: 'POST' } },
        html,
      );
      return;
    }
    if (!sameOrigin(req)) {
      send(req, res, forbidden('Projects start only from this hub’s own pages'), html);
      return;
    }
    req.resume();
    const route = deps.resolve(id);
    if (route.kind === 'unknown' || route.kind === 'host-offline') {
      send(req, res, answerFor(id, route), html);
      return;
    }
    if (route.kind === 'ok') {
      redirect(res, 303, `/${id}/`);
      return;
    }
    log.info({ project: id, user }, 'starting a project from its page');
    deps.start(id, user).then(
      () => redirect(res, 303, `/${id}/`),
      (err: unknown) => {
        const message = err instanceof Error ? err.message : String(err);
        log.warn({ project: id, err: message }, 'starting a project from its page failed');
        const now = deps.resolve(id);
        const shown = now.kind === 'not-running' ? now : route;
        send(req, res, notRunning(id, shown, message), html);
      },
    );
  }

  function recheckSessions(): number {
    let ended = 0;
    for (const [socket, { cookie }] of upgraded) {
      if (deps.authenticate({ headers: cookie === undefined ? {} : { cookie } }) !== null) continue;
      upgraded.delete(socket);
      socket.destroy();
      ended++;
    }
    if (ended > 0) log.info({ ended }, 'closed the WebSockets of sessions that ended');
    return ended;
  }
  const recheckTimer = setInterval(() => {
    try {
      recheckSessions();
    } catch (err) {
      log.error({ err }, 'checking the sessions of open WebSockets failed');
    }
  }, options.sessionRecheckMs ?? 60_000);
  recheckTimer.unref();

  return {
    matches: isProjectUrl,
    web,
    upgrade,
    recheckSessions,
    close() {
      closed = true;
      clearInterval(recheckTimer);
      for (const socket of upgraded.keys()) socket.destroy();
      upgraded.clear();
      agents.close();
    },
  };
}

function answerFor(id: string, route: NotOkRoute): Answer {
  switch (route.kind) {
    case 'unknown':
      return unknownProject(id);
    case 'host-offline':
      return hostOffline(route);
    case 'not-running':
      return notRunning(id, route);
  }
}

/** A form post from the hub's own page: Origin names this host, or the browser says same-origin. */
function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin !== undefined) {
    try {
      return new URL(origin).host === req.headers.host;
    } catch {
      // `null` (an opaque origin) or garbage: not us.
      return false;
    }
  }
  return req.headers['sec-fetch-site'] === 'same-origin';
}

function isResponse(x: unknown): x is ServerResponse {
  return typeof (x as ServerResponse | null)?.writeHead === 'function';
}

/** ClientRequest 'timeout' listener: the host took too long to answer; http-proxy-3 reports the error. */
function abortSlowUpstream(this: ClientRequest): void {
  const err: NodeJS.ErrnoException = new Error('the host did not answer in time');
  err.code = 'ETIMEDOUT';
  this.destroy(err);
}

function destroyOnError(this: Duplex): void {
  this.destroy();
}
