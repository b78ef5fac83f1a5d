/** Small server-rendered pages for the sign-in flow (no script: the CSP allows none inline). */

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Launchpad</title>
<style>
:root{color-scheme:light dark;font-family:system-ui,sans-serif}
body{max-width:36rem;margin:4rem auto;padding:0 1rem;line-height:1.5}
code{background:color-mix(in srgb,currentColor 10%,transparent);padding:.1em .3em;border-radius:.2em}
</style></head>
<body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

const HOW_TO_SIGN_IN =
  '<p>To get a sign-in link, run <code>launchpad login-url</code> on the machine where the hub runs ' +
  '(add <code>--data-dir DIR</code> if it uses another data dir). Each link works once.</p>';

export const signInPage = () => page('Sign in to Launchpad', HOW_TO_SIGN_IN);

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
