import type { Config } from '../config/index.js';

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** The hub's URLs: loopback always; the LAN one when the hub listens on the network. */
export function hubUrls(c: Config): { loopback: string; lan: string | null; preferred: string } {
  const loopback = `https://127.0.0.1:${c.ports.https}`;
  const lan =
    c.bindHost !== '127.0.0.1' && !LOOPBACK.has(c.publicHost)
      ? `https://${hostForUrl(c.publicHost)}:${c.ports.https}`
      : null;
  return { loopback, lan, preferred: lan ?? loopback };
}
