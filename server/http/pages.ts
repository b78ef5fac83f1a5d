/**
 * Small server-rendered pages: the sign-in flow here, the project proxy's pages (server/proxy)
 * through `page`. No script: the CSP allows none inline.
 */

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A whole page; `head` is trusted markup for the head (a meta refresh, say). */
export function page(title: string, body: string, head = ''): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Launchpad</title>${head}
<style>
:root{color-scheme:light dark;font-family:system-ui,sans-serif}
body{max-width:36rem;margin:4rem auto;padding:0 1rem;line-height:1.5}
code{background:color-mix(in srgb,currentColor 10%,transparent);padding:.1em .3em;border-radius:.2em}
button{font:inherit;padding:.4em 1em;border-radius:.3em;cursor:pointer}
.muted{opacity:.7}
</style></head>
<body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

const HOW_TO_SIGN_IN =
  '<p>To get a sign-in link, run <code>launchpad login-url</code> on the machine where the hub runs ' +
  '(add <code>--data-dir DIR</code> if it uses another data dir). Each link works once.</p>';

/**
 * `value` when it is a path on this origin (`/…`, not `//host…` or `/\\host…`, no control
 * characters), else undefined: where `/login?next=` may send a browser without being an open redirect.
 */
export function safeNextPath(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 4096 || !value.startsWith('/')) return undefined;
  if (value.startsWith('//') || value.startsWith('/\\')) return undefined;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return undefined;
  return value;
}

/** The sign-in page; `next` (a safe path) is where a sign-in link opened in this browser then leads. */
export const signInPage = (next = '/') =>
  page(
    'Sign in to Launchpad',
    HOW_TO_SIGN_IN +
      (next === '/'
        ? ''
        : `<p class="muted">Then open <a href="${escapeHtml(next)}">${escapeHtml(next)}</a> again, ` +
          'or add <code>&amp;next=' +
          escapeHtml(encodeURIComponent(next)) +
          '</code> to the sign-in link to land there.</p>'),
  );

export const loginFailedPage = (reason: string) =>
  page('This sign-in link does not work', `<p>${escapeHtml(reason)}</p>${HOW_TO_SIGN_IN}`);

export const tooManyAttemptsPage = (retryAfter: number) =>
  page('Too many sign-in attempts', `<p>Try again in ${retryAfter} seconds.</p>`);

export const noRendererPage = () =>
  page(
    'Launchpad hub is running',
    '<p>The web interface is not built in this installation. Run <code>npm run build</code> and reload.</p>' +
      '<p>The API answers at <a href="/api/status">/api/status</a>.</p>',
  );
