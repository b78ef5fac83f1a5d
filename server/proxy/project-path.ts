import { PROJECT_ID_RE } from '../api/index.js';

/** `/<uuid>` is 37 characters: the project id is url[1..37). */
export const PREFIX_LENGTH = 37;
const PREFIX_RE = new RegExp(`^/${PROJECT_ID_RE.source.replace(/^\^|\$$/g, '')}(?:[/?]|$)`);
const CONAT = '/conat';
const SLASH = 47;
const QUERY = 63;

/** Whether `url` (a request target) starts with `/<project_id>` as a whole path segment. */
export function isProjectUrl(url: string): boolean {
  return url.length >= PREFIX_LENGTH && url.charCodeAt(0) === SLASH && PREFIX_RE.test(url);
}

/** The project id of a url that isProjectUrl. */
export function projectIdOf(url: string): string {
  return url.slice(1, PREFIX_LENGTH);
}

/**
 * The path-with-query the host gets for a project url: `/<id>/conat…` (`/conat`, `/conat/…`,
 * `/conat?…`) loses its prefix, query kept; anything else goes unchanged, prefix kept.
 * An empty query (a bare trailing `?`) is dropped, as http-proxy-3 drops it when it joins the
 * path: the signature must cover exactly what is sent.
 */
export function forwardedPath(url: string): string {
  let path = url;
  if (url.startsWith(CONAT, PREFIX_LENGTH)) {
    const next = url.charCodeAt(PREFIX_LENGTH + CONAT.length);
    if (Number.isNaN(next) || next === SLASH || next === QUERY) path = url.slice(PREFIX_LENGTH);
  }
  if (path.charCodeAt(path.length - 1) === QUERY && path.indexOf('?') === path.length - 1) {
    path = path.slice(0, -1);
  }
  return path;
}

/** Whether `url` is the bare `/<id>` (optionally with a query): pages inside want `/<id>/`. */
export function isBareProjectUrl(url: string): boolean {
  return url.length === PREFIX_LENGTH || url.charCodeAt(PREFIX_LENGTH) === QUERY;
}

/** The part of a project url after `/<id>`, when it names one of the proxy's own actions. */
export const ACTION_PREFIX = '/.launchpad/';
export function actionOf(url: string): string | undefined {
  if (!url.startsWith(ACTION_PREFIX, PREFIX_LENGTH)) return undefined;
  const rest = url.slice(PREFIX_LENGTH + ACTION_PREFIX.length);
  const q = rest.indexOf('?');
  return q === -1 ? rest : rest.slice(0, q);
}
