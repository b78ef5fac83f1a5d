import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { escapeHtml, page, securityHeaders } from '../http/index.js';
import type { ProjectRoute } from './types.js';

/**
 * The proxy's own answers: small server-rendered pages for browsers, `{error:{code,message}}` for
 * everything else, and raw HTTP responses on sockets whose upgrade is refused. Pages carry the
 * hub's security headers (its CSP included: they are the hub's pages, not the project's).
 */

type NotRunning = Extract<ProjectRoute, { kind: 'not-running' }>;
type HostOffline = Extract<ProjectRoute, { kind: 'host-offline' }>;

/** A browser (or a form post from one): it reads pages rather than JSON. */
export function acceptsHtml(req: IncomingMessage): boolean {
  return (req.headers.accept ?? '').includes('text/html');
}

/** A browser navigating: it gets pages and redirects rather than JSON. */
export function wantsHtml(req: IncomingMessage): boolean {
  return (req.method === 'GET' || req.method === 'HEAD') && acceptsHtml(req);
}

export interface Answer {
  status: number;
  code: string;
  message: string;
  /** The page for browsers; the JSON body is sent when absent or when the client is not a browser. */
  html?: string;
  headers?: Record<string, string>;
}

/** Sends `a`: its page when there is one and `asHtml`, else its JSON. */
export function send(req: IncomingMessage, res: ServerResponse, a: Answer, asHtml = wantsHtml(req)): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  // The request body (a form post, an upload to a stopped project) is not wanted: drop it.
  req.resume();
  const html = a.html !== undefined && asHtml;
  const body = html ? a.html : JSON.stringify({ error: { code: a.code, message: a.message } });
  res.writeHead(a.status, {
    ...securityHeaders(req.headers.host, false),
    'content-type': html ? 'text/html; charset=utf-8' : 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': String(Buffer.byteLength(body as string)),
    ...a.headers,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

export function redirect(res: ServerResponse, status: 302 | 303, location: string): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { location, 'cache-control': 'no-store', 'content-length': '0' });
  res.end();
}

/** Refuses an upgrade with a short HTTP response on the raw socket, then closes it. */
export function refuseUpgrade(socket: Duplex, a: Pick<Answer, 'status' | 'code' | 'message'>): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify({ error: { code: a.code, message: a.message } });
  socket.end(
    `HTTP/1.1 ${a.status} ${STATUS_TEXT[a.status] ?? 'Error'}\r\nconnection: close\r\n` +
      `content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

const STATUS_TEXT: Record<number, string> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

const HOME = '<p><a href="/">Back to the hub</a></p>';

export function unauthenticated(): Answer {
  return {
    status: 401,
    code: 'unauthenticated',
    message: 'Sign in to this hub first: open a login URL from `launchpad login-url`',
  };
}

export function unknownProject(id: string): Answer {
  const message = `No project ${id} on this hub`;
  return {
    status: 404,
    code: 'project_not_found',
    message,
    html: page('No such project', `<p>No project <code>${escapeHtml(id)}</code> on this hub.</p>${HOME}`),
  };
}

export function hostOffline(route: HostOffline, now = Date.now()): Answer {
  const seen = route.lastSeenAt === null ? 'never' : `${whenText(route.lastSeenAt, now)}`;
  return {
    status: 502,
    code: 'host_offline',
    message: `Host ${route.hostName} of project ${route.projectName} is offline (last seen: ${seen})`,
    html: page(
      'The project’s host is offline',
      `<p><strong>${escapeHtml(route.projectName)}</strong> runs on host <strong>${escapeHtml(route.hostName)}</strong>, ` +
        'which is not connected to this hub.</p>' +
        `<p>Last seen: ${route.lastSeenAt === null ? 'never' : `<time datetime="${escapeHtml(route.lastSeenAt)}">${escapeHtml(seen)}</time>`}.</p>` +
        '<p>Start Launchpad on that machine (or check its network); the project is back as soon as the host reconnects.</p>' +
        HOME,
    ),
  };
}

/** `iso` as `2030-01-01 12:00 UTC (5 minutes ago)`. */
export function whenText(iso: string, now: number): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const stamp = `${new Date(t).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const s = Math.round((now - t) / 1000);
  if (s < 0) return stamp;
  const ago =
    s < 90
      ? `${s} seconds`
      : s < 90 * 60
        ? `${Math.round(s / 60)} minutes`
        : s < 36 * 3600
          ? `${Math.round(s / 3600)} hours`
          : `${Math.round(s / 86400)} days`;
  return `${stamp} (${ago} ago)`;
}

/**
 * The project is not running: its state and last error, and (unless it is starting already) a
 * Start button posting to the proxy's own `/<id>/.launchpad/start`. While it starts, the page
 * reloads itself every 2 s (a meta refresh: no script).
 */
export function notRunning(id: string, route: NotRunning, startError?: string): Answer {
  const name = escapeHtml(route.projectName);
  const starting = route.state === 'starting' && startError === undefined;
  const error = startError ?? route.error;
  const title = starting
    ? `Starting ${route.projectName}…`
    : route.state === 'error' || startError !== undefined
      ? `${route.projectName} could not start`
      : `${route.projectName} is stopped`;
  const body = starting
    ? `<p><strong>${name}</strong> is starting… This page reloads by itself.</p>`
    : `<p>The project <strong>${name}</strong> is not running${route.state === 'error' ? ' (its last start failed)' : ''}.</p>` +
      (error ? `<p>Error:</p><pre>${escapeHtml(error)}</pre>` : '') +
      `<form method="post" action="/${escapeHtml(id)}/.launchpad/start"><button type="submit">Start project</button></form>`;
  return {
    status: startError === undefined ? 503 : 500,
    code: startError === undefined ? 'project_not_running' : 'project_start_failed',
    message:
      startError ??
      (starting
        ? `Project ${route.projectName} is starting`
        : `Project ${route.projectName} is ${route.state === 'error' ? 'stopped after an error' : 'stopped'}${route.error ? `: ${route.error}` : ''}`),
    html: page(title, body + HOME, starting ? '<meta http-equiv="refresh" content="2">' : ''),
  };
}

export function upstreamFailed(id: string, hostName: string, reason: string): Answer {
  return {
    status: 502,
    code: 'host_unreachable',
    message: `Host ${hostName} did not answer for project ${id} (${reason})`,
    html: page(
      'The project’s host did not answer',
      `<p>Host <strong>${escapeHtml(hostName)}</strong> did not answer for project <code>${escapeHtml(id)}</code> ` +
        `(${escapeHtml(reason)}).</p><p>Reload in a moment; if it persists, check the host on the hub’s Hosts page.</p>${HOME}`,
    ),
  };
}

export function forbidden(message: string): Answer {
  return {
    status: 403,
    code: 'forbidden',
    message,
    html: page('Not allowed', `<p>${escapeHtml(message)}</p>${HOME}`),
  };
}

export function notFound(message: string): Answer {
  return {
    status: 404,
    code: 'not_found',
    message,
    html: page('Not found', `<p>${escapeHtml(message)}</p>${HOME}`),
  };
}
