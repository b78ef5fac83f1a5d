// Where this workspace lives: the hub serves it at /<project_id>/, and every API call and the
// realtime channel are relative to that prefix.

/** The project id: the first segment of the page's path. */
export const projectId: string = decodeURIComponent(window.location.pathname.split('/')[1] ?? '');

/** `/<project_id>/<path>`: a URL under this project. */
export function projectUrl(path: string): string {
  return `/${encodeURIComponent(projectId)}/${path}`;
}

/** The realtime channel: `wss://<host>/<project_id>/conat` (ws: on plain HTTP). */
export function conatUrl(): string {
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${window.location.host}${projectUrl('conat')}`;
}

/** The hub's sign-in page, coming back to this page afterwards. */
export function signInHref(): string {
  return `/login?next=${encodeURIComponent(window.location.pathname + window.location.search)}`;
}

/** A directory path in the API's form: '' for the project root, no leading './' or trailing '/'. */
export function normalizeDir(path: string): string {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  return parts.join('/');
}

/** `dir` joined with `name` in the API's form. */
export function joinPath(dir: string, name: string): string {
  const d = normalizeDir(dir);
  return d === '' ? name : `${d}/${name}`;
}

/** The last segment of a path. */
export function baseName(path: string): string {
  const parts = normalizeDir(path).split('/');
  return parts[parts.length - 1] ?? path;
}

/** The directory a path is in ('' for the root). */
export function parentDir(path: string): string {
  const parts = normalizeDir(path).split('/');
  return parts.slice(0, -1).join('/');
}
