import { existsSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import {
  type BackupProjectView,
  type HealthReport,
  type HostView,
  type HubEvent,
  type LoginTokenResponse,
  type ProjectView,
  type SettingsPatch,
  type SettingsResponse,
  type SetupRequest,
  type SetupResponse,
  type Status,
  settingsPatchSchema,
  setupRequestSchema,
  type TokenView,
} from '../api/index.js';
import type { Logger } from '../log/index.js';
import { type Auth, type Principal, SESSION_COOKIE } from './auth.js';
import { ApiError, fromZodError } from './errors.js';
import { createHubServer, type ProjectProxyHandler } from './hub-server.js';
import { loginFailedPage, noRendererPage, safeNextPath, signInPage, tooManyAttemptsPage } from './pages.js';
import { FailureLimiter } from './rate-limit.js';
import { securityHeaders } from './security-headers.js';

/** What the HTTP layer needs from the running hub; kept small so routes stay thin. */
export interface HubView {
  status(signedIn: boolean): Status;
  settings(): SettingsResponse;
  /** Validates against the whole config, stores, and returns the new view; throws ApiError (400) when invalid. */
  applySettings(patch: SettingsPatch): SettingsResponse;
  /** The first-run wizard's answer; throws ApiError (400) when invalid. */
  setup(req: SetupRequest): SetupResponse;
  /** The URL a browser should open to redeem `token`. */
  loginUrl(token: string): string;
  /** Calls `listener` whenever the status may have changed; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
  /** Tells subscribers the status changed (after sign-ins, settings changes, …). */
  notify(): void;
  /** Live SSH connections of the embedded sshd (empty where it does not run). */
  sshConnections(): unknown[];
  /** Hosts and join tokens (their routes are registered by the hosts capability). */
  hosts: {
    snapshot(): { hosts: HostView[]; tokens: TokenView[] };
    /** Calls `listener` whenever hosts or tokens changed; returns the unsubscribe function. */
    subscribe(listener: () => void): () => void;
    /** Whether `credential` is host `hostId`'s. */
    checkCredential(hostId: string, credential: string): boolean;
  };
  /** Where a signed-in person's `/` goes instead of the overview (Plus: its project), or null. */
  home?(): string | null;
  /** Projects (their routes are registered by the projects capability). */
  projects: {
    list(): ProjectView[];
    /** Calls `listener` whenever a project changed; returns the unsubscribe function. */
    subscribe(listener: () => void): () => void;
  };
  /** Health checks and their summary (its route is registered by the health capability). */
  health?: {
    report(): HealthReport;
    /** Calls `listener` whenever a check changed status or message; returns the unsubscribe function. */
    subscribe(listener: () => void): () => void;
  };
  /** Backups (their routes are registered by the backups capability). */
  backups?: {
    list(): BackupProjectView[];
    /** Calls `listener` on every change, progress included (throttled); returns the unsubscribe function. */
    subscribe(listener: () => void): () => void;
  };
}

export interface AppOptions {
  tls: { key: string; cert: string; custom: boolean };
  auth: Auth;
  hub: HubView;
  logger: Logger;
  /** Built renderer (index.html + assets); a plain page is served when it is missing. */
  rendererDir: string;
  /** Failed sign-ins per IP allowed per window before 429. */
  loginFailures?: { max: number; windowMs: number };
  /** `/<project_id>/…` requests and upgrades go here, past fastify (server/proxy). */
  projectProxy?: ProjectProxyHandler;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export const BODY_LIMIT = 64 * 1024;
// Joining is authenticated by the join token in the body.
const PUBLIC_API = new Set(['GET /api/status', 'POST /api/hosts/join']);
/** The only routes a host principal may call. */
const HOST_API = new Set(['GET /api/hosts/self', 'POST /api/hosts/self/error']);

export async function buildApp(opts: AppOptions) {
  const { auth, hub } = opts;
  const limiter = new FailureLimiter(opts.loginFailures?.max ?? 10, opts.loginFailures?.windowMs ?? 60_000);
  const app = Fastify({
    loggerInstance: opts.logger,
    https: { key: opts.tls.key, cert: opts.tls.cert },
    bodyLimit: BODY_LIMIT,
    // On shutdown idle keep-alive sockets close at once; busy ones finish their request.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    // Our own server, so project traffic reaches the proxy without passing through fastify.
    serverFactory: (handler, o) =>
      createHubServer(
        {
          tls: opts.tls,
          projectProxy: opts.projectProxy,
          keepAliveTimeout: typeof o.keepAliveTimeout === 'number' ? o.keepAliveTimeout : 72_000,
          requestTimeout: typeof o.requestTimeout === 'number' ? o.requestTimeout : 0,
        },
        handler,
      ),
  });

  // A WebSocket through the proxy outlives the request that opened it: a sign-out ends those of
  // the sessions it removed (a terminal must not stay open after "Sign out everywhere").
  const proxy = opts.projectProxy;
  if (proxy) {
    const unsubscribe = auth.onSignOut(() => {
      // The sign-out itself is done; a failure here must not turn its answer into a 500.
      try {
        proxy.recheckSessions();
      } catch (err) {
        opts.logger.error({ err }, 'ending the WebSockets of ended sessions failed');
      }
    });
    app.addHook('onClose', async () => {
      unsubscribe();
    });
  }

  // Only JSON bodies: text/plain (a "simple" content type) would let another site's form post to us.
  app.removeContentTypeParser('text/plain');
  await app.register(fastifyCookie);
  app.decorateRequest('principal', null);

  app.addHook('onRequest', async (req, reply) => {
    reply.headers(securityHeaders(req.headers.host, opts.tls.custom));
    if (req.url.startsWith('/api/')) reply.header('cache-control', 'no-store');
    req.principal = principalOf(req);
    const key = `${req.method} ${req.routeOptions.url ?? ''}`;
    if (req.url.startsWith('/api/') && !PUBLIC_API.has(key) && req.routeOptions.url !== undefined) {
      if (!req.principal) {
        throw new ApiError(
          401,
          'unauthenticated',
          'Sign in first: open a login URL from `launchpad login-url`',
        );
      }
      if (req.principal.kind === 'session' && !['GET', 'HEAD'].includes(req.method)) checkOrigin(req);
    }
    // Plus opens its one project's workspace at `/` (the hub pages stay at /projects and others).
    if (req.method === 'GET' && req.url === '/' && req.principal?.kind === 'session') {
      const home = hub.home?.();
      if (home) return reply.redirect(home, 302);
    }
    if (req.principal?.kind === 'host' && !HOST_API.has(key)) {
      throw new ApiError(403, 'forbidden', 'A host credential is only good for /api/hosts/self');
    }
  });

  function principalOf(req: FastifyRequest): Principal | null {
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (bearer !== undefined) {
      const wait = limiter.retryAfter(req.ip);
      if (wait > 0) throw tooMany(wait);
      if (auth.isAdminSecret(bearer)) return { kind: 'admin' };
      limiter.fail(req.ip);
      throw new ApiError(401, 'unauthenticated', 'The bearer token is not this hub’s admin secret');
    }
    const host = /^Host ([A-Za-z0-9_-]{1,64}):(.+)$/.exec(req.headers.authorization ?? '');
    if (host?.[1] !== undefined && host[2] !== undefined) {
      const wait = limiter.retryAfter(req.ip);
      if (wait > 0) throw tooMany(wait);
      if (hub.hosts.checkCredential(host[1], host[2])) return { kind: 'host', hostId: host[1] };
      limiter.fail(req.ip);
      throw new ApiError(401, 'unauthenticated', 'The host id or credential is not known to this hub');
    }
    const cookie = req.cookies[SESSION_COOKIE];
    return cookie ? auth.sessionFor(cookie) : null;
  }

  // Browsers send Origin on cross-site POSTs; a session cookie must only act for our own pages.
  function checkOrigin(req: FastifyRequest): void {
    const origin = req.headers.origin;
    if (origin === undefined) return;
    let host: string;
    try {
      host = new URL(origin).host;
    } catch {
      throw new ApiError(403, 'bad_origin', `Origin "${origin}" is not a URL`);
    }
    if (host !== req.headers.host)
      throw new ApiError(403, 'bad_origin', `Requests from ${origin} are not allowed`);
  }

  app.setErrorHandler((err: Error & { code?: string; statusCode?: number }, req, reply) => {
    const apiErr = toApiError(err);
    if (apiErr.status >= 500) req.log.error({ err }, 'request failed');
    void reply.code(apiErr.status).headers(apiErr.headers).send(apiErr.body());
  });

  app.get('/api/status', async (req) => hub.status(req.principal !== null));

  app.get('/login', async (req, reply) => {
    const query = req.query as Record<string, unknown>;
    const token = query.token;
    // Where to go once signed in (a project page sends people here): a same-origin path only.
    const next = safeNextPath(query.next) ?? '/';
    if (typeof token !== 'string' || token === '') {
      if (req.principal?.kind === 'session') return reply.redirect(next, 302);
      return sendHtml(reply, 200, signInPage(next));
    }
    const wait = limiter.retryAfter(req.ip);
    if (wait > 0) return sendHtml(reply.header('retry-after', String(wait)), 429, tooManyAttemptsPage(wait));
    const ua = req.headers['user-agent'];
    const session = auth.redeemLoginToken(token, { ip: req.ip, ...(ua ? { userAgent: ua } : {}) });
    if (!session) {
      limiter.fail(req.ip);
      req.log.warn({ ip: req.ip }, 'login with an unknown, used or expired token');
      return sendHtml(
        reply,
        401,
        loginFailedPage('It was already used, has expired, or was never issued by this hub.'),
      );
    }
    req.log.info({ ip: req.ip }, 'signed in with a login token');
    hub.notify();
    void reply.setCookie(SESSION_COOKIE, session.sessionToken, {
      httpOnly: true,
      secure: true,
      sameSite: 'strict',
      path: '/',
      expires: new Date(session.expiresAt),
    });
    return reply.redirect(next, 302);
  });

  app.post('/api/auth/login-tokens', async (): Promise<LoginTokenResponse> => {
    const { token, expiresAt } = auth.createLoginToken();
    return { url: hub.loginUrl(token), expiresAt: new Date(expiresAt).toISOString() };
  });

  app.get('/api/auth/session', async (req) => {
    const p = req.principal;
    if (p?.kind !== 'session')
      throw new ApiError(400, 'not_a_session', 'This request is signed with the admin secret');
    return { signedIn: true, expiresAt: new Date(p.expiresAt).toISOString() };
  });

  app.post('/api/auth/logout', async (req, reply) => {
    const p = req.principal;
    if (p?.kind === 'session') {
      auth.signOut(p.sessionId);
      endStreams((q) => q?.kind === 'session' && q.sessionId === p.sessionId);
    }
    hub.notify();
    void reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { signedOut: true };
  });

  app.post('/api/auth/logout-all', async (_req, reply) => {
    const revoked = auth.signOutEverywhere();
    endStreams((q) => q?.kind === 'session');
    hub.notify();
    void reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { revoked };
  });

  app.get('/api/settings', async () => hub.settings());

  app.get('/api/sshd/connections', async () => ({ connections: hub.sshConnections() }));

  app.post('/api/setup', async (req) => {
    const parsed = setupRequestSchema.safeParse(req.body ?? {});
    if (!parsed.success) throw fromZodError(parsed.error);
    const result = hub.setup(parsed.data);
    hub.notify();
    return result;
  });

  // Live updates: one Server-Sent Events stream per page; a status, a hosts, a projects and a health event on connect,
  // then each again on every change of its kind. Streams are ended before shutdown so they do not hold it up.
  // Each open stream with the principal that opened it, so signing out ends its streams too.
  const streams = new Map<ServerResponse, Principal | null>();
  const endStreams = (match: (p: Principal | null) => boolean) => {
    for (const [res, p] of streams) if (match(p)) res.end();
  };
  app.get('/api/events', (req, reply) => {
    const res = reply.raw;
    reply.hijack();
    res.writeHead(200, {
      ...(reply.getHeaders() as Record<string, string>),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    const write = (event: HubEvent) => {
      // Between our end() and the socket's close event, a change must not write to a finished stream.
      if (res.writableEnded) return;
      res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
    };
    const send = () => write({ type: 'status', status: hub.status(true) });
    const sendHosts = () => write({ type: 'hosts', ...hub.hosts.snapshot() });
    const sendProjects = () => write({ type: 'projects', projects: hub.projects.list() });
    const health = hub.health;
    const sendHealth = () => {
      if (health) write({ type: 'health', health: health.report() });
    };
    send();
    sendHosts();
    const backups = hub.backups;
    const sendBackups = () => {
      if (backups) write({ type: 'backups', projects: backups.list() });
    };
    sendProjects();
    sendHealth();
    sendBackups();
    streams.set(res, req.principal);
    const unsubscribers = [
      hub.subscribe(send),
      hub.hosts.subscribe(sendHosts),
      hub.projects.subscribe(sendProjects),
      ...(health ? [health.subscribe(sendHealth)] : []),
      ...(backups ? [backups.subscribe(sendBackups)] : []),
    ];
    const unsubscribe = () => {
      for (const off of unsubscribers) off();
    };
    // A comment line now and then keeps proxies and idle timeouts from closing the stream.
    const ping = setInterval(() => res.write(': ping\n\n'), 25_000);
    req.raw.on('close', () => {
      clearInterval(ping);
      unsubscribe();
      streams.delete(res);
    });
  });
  app.addHook('preClose', async () => {
    endStreams(() => true);
  });

  app.patch('/api/settings', async (req) => {
    if (req.body === undefined || req.body === null || typeof req.body !== 'object') {
      throw new ApiError(400, 'invalid_request', 'Send a JSON object of settings to change');
    }
    const parsed = settingsPatchSchema.safeParse(req.body);
    if (!parsed.success) throw fromZodError(parsed.error);
    const result = hub.applySettings(parsed.data);
    hub.notify();
    return result;
  });

  const hasRenderer = existsSync(join(opts.rendererDir, 'index.html'));
  if (hasRenderer) {
    await app.register(fastifyStatic, { root: opts.rendererDir, wildcard: false, index: ['index.html'] });
  }

  app.setNotFoundHandler(async (req, reply) => {
    if (req.url.startsWith('/api/') || req.url === '/api') {
      throw new ApiError(404, 'not_found', `No API route ${req.method} ${req.url.split('?')[0]}`);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      throw new ApiError(404, 'not_found', `Nothing at ${req.method} ${req.url.split('?')[0]}`);
    }
    // SPA fallback: client-side routes load the app shell; a missing asset stays a 404.
    const path = req.url.split('?')[0] ?? '/';
    if (/\.[a-z0-9]+$/i.test(path)) throw new ApiError(404, 'not_found', `No file ${path}`);
    if (hasRenderer) return reply.type('text/html').sendFile('index.html');
    return sendHtml(reply, 200, noRendererPage());
  });

  return app;
}

function sendHtml(reply: FastifyReply, status: number, html: string) {
  return reply.code(status).type('text/html; charset=utf-8').send(html);
}

function tooMany(retryAfter: number): ApiError {
  return new ApiError(
    429,
    'rate_limited',
    `Too many failed attempts; try again in ${retryAfter} s`,
    undefined,
    {
      'retry-after': String(retryAfter),
    },
  );
}

/** Maps what Fastify throws (body too large, bad JSON, …) onto the API's error shape. */
function toApiError(err: Error & { code?: string; statusCode?: number }): ApiError {
  if (err instanceof ApiError) return err;
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError(413, 'body_too_large', `The request body is larger than ${BODY_LIMIT} bytes`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError(415, 'unsupported_media_type', 'Send the body as application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ApiError(400, 'invalid_json', 'The JSON body is empty');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new ApiError(400, 'invalid_json', `The body is not valid JSON: ${err.message}`);
  }
  if (err instanceof SyntaxError && err.statusCode === 400) {
    return new ApiError(400, 'invalid_json', `The body is not valid JSON: ${err.message}`);
  }
  const status = err.statusCode ?? 500;
  if (status >= 400 && status < 500) return new ApiError(status, 'bad_request', err.message);
  return new ApiError(500, 'internal', 'Internal error; see the hub log');
}
export type HubApp = Awaited<ReturnType<typeof buildApp>>;
