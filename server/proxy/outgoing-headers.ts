import type { IncomingMessage } from 'node:http';
import { SIGNATURE_HEADER, signServiceRequest } from '../hosts/index.js';
import { SESSION_COOKIE, withoutCookie } from '../http/index.js';
import { PROJECT_TOKEN_HEADER, PROJECT_USER_HEADER } from '../projects/index.js';

/**
 * Rewrites the headers of a request about to go to a project's host, in place (http-proxy-3
 * copies them once more anyway):
 * - the hub's session cookie and any Authorization header stay on the hub: a project never sees
 *   the credentials of the hub (its own cookies pass: apps inside projects set their own);
 * - `Expect` is dropped (the hub's server has answered it), and `Connection` unless it upgrades;
 * - `X-Forwarded-For` gets the peer appended (so the right-most entry is the one the hub saw),
 *   `X-Forwarded-Proto` is https, `X-Forwarded-Host` the Host asked for and `X-Forwarded-Prefix`
 *   `/<project_id>` (what the app is mounted under);
 * - the signature header, over `method` and `path` (the forwarded path-with-query) with the
 *   project and user, replaces whatever the client sent under that name;
 * - the user header is set here too and a client's project-token header dropped: on a spliced
 *   channel (upstream-agents.ts) the request reaches the project server as it leaves the hub.
 */
export function prepareForwardHeaders(
  req: IncomingMessage,
  projectId: string,
  user: string,
  secret: string,
  path: string,
): void {
  const h = req.headers;
  if (h.cookie !== undefined) {
    const cookie = withoutCookie(h.cookie, SESSION_COOKIE);
    if (cookie === undefined) delete h.cookie;
    else h.cookie = cookie;
  }
  if (h.authorization !== undefined) delete h.authorization;
  // The hub's server already answered "100 Continue" and streams the body on: the host need not.
  if (h.expect !== undefined) delete h.expect;
  // Hop-by-hop: a browser's `Connection: close` is about its connection to the hub. Passed on,
  // it would make the host close the hub's kept-alive upstream connection after every response
  // (a new connection through the tunnel per request). Upgrades keep theirs.
  if (h.connection !== undefined && !/\bupgrade\b/i.test(h.connection)) delete h.connection;
  const peer = req.socket.remoteAddress;
  if (peer !== undefined) {
    const before = h['x-forwarded-for'];
    h['x-forwarded-for'] = before ? `${before}, ${peer}` : peer;
  }
  h['x-forwarded-proto'] = 'https';
  h['x-forwarded-host'] = h.host ?? '';
  h['x-forwarded-prefix'] = `/${projectId}`;
  h[PROJECT_USER_HEADER] = user;
  if (h[PROJECT_TOKEN_HEADER] !== undefined) delete h[PROJECT_TOKEN_HEADER];
  h[SIGNATURE_HEADER] = signServiceRequest(secret, req.method ?? 'GET', path, Date.now(), {
    projectId,
    user,
  });
}
