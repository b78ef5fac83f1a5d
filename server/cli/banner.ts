import type { RunningHub } from '../hub/index.js';

/** What `launchpad --server` prints for the person who started it (never sent to the log files). */
export function serverBanner(hub: RunningHub, loginUrl: string): string {
  const c = hub.config;
  const mode = c.deploymentMode ? ` (${c.deploymentMode})` : '';
  const lines = [
    '',
    `Launchpad hub is running: ${c.product}${mode}`,
    `  URL        ${hub.urls.loopback}`,
    ...(hub.urls.lan ? [`  LAN URL    ${hub.urls.lan}`] : []),
    `  Sign in    ${loginUrl}`,
    '             (works once, for 24 h; `launchpad login-url` prints another)',
    `  Data dir   ${c.dataDir}`,
    `  TLS        ${hub.tls.custom ? 'custom certificate' : `local CA ${c.layout.tls}/ca.crt`}`,
    `             leaf SHA-256 ${hub.tls.leafFingerprint}`,
    ...hub.resolved.ignoredEnv.map((l) => `  Note       ${l}`),
    '  Stop with Ctrl+C.',
    '',
  ];
  return `${lines.join('\n')}\n`;
}
